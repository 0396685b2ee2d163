// The run index as the client reads it: one list over every shard (index-shards.ts). Each read asks all
// shards at once and merges their answers in the order one index would give, so callers see one index.
// The shards read are those of STEPWISE_INDEX_SHARDS and any above it that shard 0 knows to hold
// entries (the count was lowered since): those are read after shard 0 has answered.
import { rpcResult, unwrap } from "../kernel/index.ts";
import {
  compareText,
  inboxCursor,
  InboxQuery,
  ListQuery,
  listCursor,
  newestFirst,
  oldestWaitFirst,
  type InboxPage,
  type RunCount,
  type RunPage,
} from "./durable/index-entry.ts";
import { indexShardCount, indexShardRange } from "./durable/index-shards.ts";
import { KNOWN_SHARDS_HEADER, type KnownShards, type RunIndex } from "./durable/run-index.ts";
import { closeSocket } from "./durable/run-object.ts";

export type LiveCount = { workflow: string; version: number; live: number };

/**
 * Runs newest first. Every shard answers the first `limit` runs after the cursor (a place in the order,
 * the same on every shard), so the first `limit` of their union are the page, and the next page starts
 * after its last row.
 */
export async function listRuns(env: Env, query: ListQuery): Promise<RunPage> {
  const { limit, counts } = ListQuery.parse(query);
  const pages = await fromEveryShard(env, async (shard) => unwrap(await rpcResult<RunPage & KnownShards>(shard.list(query))), knownShards);
  const { rows, more } = merge(
    pages.map((p) => ({ rows: p.runs, more: p.nextCursor !== null })),
    limit,
    newestFirst,
  );
  const last = rows.at(-1);
  const page: RunPage = { runs: rows, nextCursor: more && last !== undefined ? listCursor(last) : null };
  if (counts)
    page.counts = addUp(
      pages.flatMap((p) => p.counts ?? []),
      countKey,
      (a, b) => ({ ...a, count: a.count + b.count }),
    ).sort(byCountKey);
  return page;
}

/** The open signal waits of live runs, oldest first, merged the way listRuns merges runs. */
export async function inbox(env: Env, query: InboxQuery): Promise<InboxPage> {
  const { limit } = InboxQuery.parse(query);
  const pages = await fromEveryShard(env, async (shard) => unwrap(await rpcResult<InboxPage & KnownShards>(shard.inbox(query))), knownShards);
  const { rows, more } = merge(
    pages.map((p) => ({ rows: p.waits, more: p.nextCursor !== null })),
    limit,
    oldestWaitFirst,
  );
  const last = rows.at(-1);
  return { waits: rows, nextCursor: more && last !== undefined ? inboxCursor(last) : null };
}

/** How many live runs each workflow version has, added up over the shards. */
export async function liveRunCounts(env: Env): Promise<LiveCount[]> {
  const counts = await fromEveryShard(env, (shard) => shard.liveCounts(), knownShards);
  return addUp(
    counts.flatMap((c) => c.live),
    (c) => JSON.stringify([c.workflow, c.version]),
    (a, b) => ({ ...a, live: a.live + b.live }),
  ).sort((a, b) => compareText(a.workflow, b.workflow) || a.version - b.version);
}

/**
 * The live list for a forwarded WebSocket upgrade. With one shard, that shard's own socket, as before
 * shards. With several, the Worker opens a socket to each and relays their frames into one socket to the
 * client: the shards' sockets stay hibernatable, and the client hears every shard. The answer comes once
 * every shard's socket is open, so a list read after it misses no change.
 */
export async function liveRuns(env: Env, request: Request): Promise<Response> {
  const answers = await fromEveryShard(
    env,
    (shard) => shard.fetch(new Request("https://index.internal/live", { headers: request.headers })),
    (answer) => Number(answer.headers.get(KNOWN_SHARDS_HEADER) ?? 1),
  );
  if (answers.length === 1) return answers[0]!;
  const refused = answers.find((a) => a.webSocket === null);
  if (refused !== undefined) {
    // Every shard refuses alike (no upgrade); sockets some other shard opened are closed unused.
    for (const a of answers) {
      if (a.webSocket === null) continue;
      a.webSocket.accept();
      closeSocket(a.webSocket, 1000);
    }
    return refused;
  }
  return relay(answers.map((a) => a.webSocket!));
}

/** One socket to the client carrying the frames of `shardSockets`; when any side closes, all close. */
function relay(shardSockets: WebSocket[]): Response {
  const { 0: client, 1: server } = new WebSocketPair();
  // A shard that closes (its object restarted, a deploy) closes the client's socket too, so the client
  // reconnects to all shards rather than missing one shard's changes unawares.
  const closeAll = (code: number) => {
    for (const ws of [server, ...shardSockets]) closeSocket(ws, code);
  };
  server.accept();
  server.addEventListener("close", (e) => closeAll(e.code));
  server.addEventListener("error", () => closeAll(1011));
  for (const ws of shardSockets) {
    ws.accept();
    ws.addEventListener("message", (m) => {
      try {
        server.send(m.data);
      } catch {
        // The client's socket is closing: its close handler ends the others.
      }
    });
    ws.addEventListener("close", (e) => closeAll(e.code));
    ws.addEventListener("error", () => closeAll(1011));
  }
  return new Response(null, { status: 101, webSocket: client });
}

type IndexStub = DurableObjectStub<RunIndex>;

/** The shards shard 0 knows of, from its answer to a read (see KnownShards). */
const knownShards = (answer: KnownShards): number => answer.shards ?? 1;

/**
 * `read` of every shard lists must read: shards 0 to the count - 1 at once, then, when shard 0 knows of
 * shards above the count (it was lowered), those too. `known` reads how many it knows of from its answer.
 * The answers in shard order.
 */
async function fromEveryShard<T>(env: Env, read: (shard: IndexStub) => Promise<T>, known: (answer: T) => number): Promise<T[]> {
  const count = indexShardCount(env);
  const answers = await Promise.all(indexShardRange(env, 0, count).map(read));
  const shards = known(answers[0]!);
  if (shards <= count) return answers;
  return [...answers, ...(await Promise.all(indexShardRange(env, count, shards).map(read)))];
}

/**
 * The first `limit` rows of the shards' pages in `order`, and whether any row is left after them: each
 * page is in that order and holds a shard's first `limit` rows, so none of the ones it left out can come first.
 */
function merge<T>(pages: { rows: T[]; more: boolean }[], limit: number, order: (a: T, b: T) => number): { rows: T[]; more: boolean } {
  const all = pages.flatMap((p) => p.rows).sort(order);
  return { rows: all.slice(0, limit), more: all.length > limit || pages.some((p) => p.more) };
}

/** Rows of several shards with one row per key: those with the same key added together by `add`. */
function addUp<T>(rows: T[], key: (row: T) => string, add: (a: T, b: T) => T): T[] {
  const byKey = new Map<string, T>();
  for (const row of rows) {
    const k = key(row);
    const seen = byKey.get(k);
    byKey.set(k, seen === undefined ? row : add(seen, row));
  }
  return [...byKey.values()];
}

const countKey = (c: RunCount) => JSON.stringify([c.workflow, c.status]);
/** The store's order of counts: ORDER BY workflow, status. */
const byCountKey = (a: RunCount, b: RunCount) => compareText(a.workflow, b.workflow) || compareText(a.status, b.status);

// The run index: one Durable Object listing runs by workflow and status, newest first, and the open
// signal waits of live runs, oldest first. Run objects are the source of truth and push their entry
// here (see IndexOutbox); a push carries a version that only grows, so a late or repeated push never
// moves an entry backwards. Listeners on its WebSocket (hibernating) hear of every entry that changes.
//
// Each object is one shard (index-shards.ts). A shard above 0 has shard 0 record it before it writes
// its first entry, and shard 0 says how many shards it knows of with every read (`shards`), so lists
// read every shard that holds entries, also after STEPWISE_INDEX_SHARDS was lowered.
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { fail, GroupCommit, log, loggedError, migrate, ok, type RpcResult, Sql } from "../../kernel/index.ts";
import { IndexEntry, type IndexedRun, type InboxPage, type InboxQuery, type ListQuery, type RunPage } from "./index-entry.ts";
import { acrossObjects } from "../faults.ts";
import { indexShard, indexShardNumber, MAX_INDEX_SHARDS } from "./index-shards.ts";
import { RUN_INDEX_MIGRATIONS } from "./run-index-schema.ts";
import { RunIndexStore } from "./run-index-store.ts";
import { closeSocket } from "./run-object.ts";

/** A frame on the list's live socket: a run whose entry changed (as GET /api/runs lists it), or one removed. */
export type LiveFrame = { type: "run"; run: IndexedRun } | { type: "removed"; runId: string };

/** What shard 0 adds to each read: how many shards lists must read at least (one past the highest it knows of); absent when it knows of none above it. */
export interface KnownShards {
  shards?: number;
}

/** The header on shard 0's live socket answer that carries its KnownShards. */
export const KNOWN_SHARDS_HEADER = "Stepwise-Index-Shards";

const ShardNumber = z
  .number()
  .int()
  .min(1)
  .max(MAX_INDEX_SHARDS - 1);

export class RunIndex extends DurableObject<Env> {
  readonly #store: RunIndexStore;
  /** Pushes and removals arriving together share one commit (one shard takes every run's pushes). */
  readonly #writes = new GroupCommit();
  /** This object's shard, from its name; null when its name is not a shard's (it then records nothing of shards). */
  readonly #shard: number | null;
  /** Shard 0 has recorded this shard (always true of shard 0 and of an object that is no shard). */
  #known = false;
  #recording: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = new Sql(ctx.storage);
    this.#store = new RunIndexStore(sql);
    this.#shard = indexShardNumber(ctx.id.name);
    void ctx.blockConcurrencyWhile(async () => {
      migrate(sql, RUN_INDEX_MIGRATIONS);
      const shard = this.#shard;
      this.#known = shard === null || shard === 0 || this.#store.hasShard(shard);
      // A shard that took entries before shards were recorded is recorded as it wakes (for a list read
      // while the count still includes it, or a push), before it answers: once, as it is then known.
      if (!this.#known && !this.#store.isEmpty()) {
        await this.#record().catch((err: unknown) =>
          log.error("recording the index shard with shard 0 failed; retried at its next push", { shard, error: loggedError(err) }),
        );
      }
    });
  }

  /**
   * Records a run's entry unless a newer version is already recorded. Resolves once written: with the
   * entries pushed meanwhile, in one statement (see RunIndexStore.upsert). A shard's first entry waits
   * until shard 0 has recorded the shard; if that fails, so does the push, and nothing is written.
   */
  upsert(raw: IndexEntry): Promise<void> {
    const entry = IndexEntry.parse(raw);
    return this.#known ? this.#write(entry) : this.#record().then(() => this.#write(entry));
  }

  #write(entry: z.output<typeof IndexEntry>): Promise<void> {
    return this.#writes.item(this.#upsertMany, entry).then((run) => {
      if (run !== null) this.#broadcast({ type: "run", run });
    });
  }

  /** Shard 0: records that `shard` holds entries, so that every list reads it whatever the count (see KnownShards). */
  noteShard(raw: number): void {
    this.#store.noteShard(ShardNumber.parse(raw));
  }

  /** Has shard 0 record this shard, then records here that it did (one call at a time). */
  #record(): Promise<void> {
    const shard = this.#shard!;
    this.#recording ??= (async () => {
      try {
        await acrossObjects("run.index", () => indexShard(this.env, 0).noteShard(shard));
        this.#store.noteShard(shard);
        this.#known = true;
      } finally {
        this.#recording = null;
      }
    })();
    return this.#recording;
  }

  /** What this object adds to a read: shard 0 the shards it knows of when any is above it, the others nothing. */
  #knownShards(): KnownShards {
    if (this.#shard !== 0) return {};
    const shards = this.#store.shardsKnown();
    return shards > 1 ? { shards } : {};
  }

  readonly #upsertMany = (entries: readonly z.output<typeof IndexEntry>[]): (IndexedRun | null)[] => this.#store.upsert(entries);

  /** Drops a run's entry (its object was deleted at the end of its retention), in turn with the pushes before it. */
  remove(runId: string): Promise<void> {
    const id = z.string().parse(runId);
    return this.#writes.run(() => {
      if (this.#store.remove(id)) this.#broadcast({ type: "removed", runId: id });
    });
  }

  /** How many runs that have not finished each workflow version has (versions with none are left out). */
  liveCounts(): { live: { workflow: string; version: number; live: number }[] } & KnownShards {
    return { live: this.#store.liveCounts(), ...this.#knownShards() };
  }

  list(raw: ListQuery): RpcResult<RunPage & KnownShards> {
    const page = this.#store.list(raw);
    return page === null ? fail("request.invalid_cursor", "the cursor is not one this API returned") : ok({ ...page, ...this.#knownShards() });
  }

  /** The open signal waits of live runs, oldest first (by when each began). */
  inbox(raw: InboxQuery): RpcResult<InboxPage & KnownShards> {
    const page = this.#store.inbox(raw);
    return page === null ? fail("request.invalid_cursor", "the cursor is not one this API returned") : ok({ ...page, ...this.#knownShards() });
  }

  /** The live list: a WebSocket upgrade, accepted hibernatable so an idle listener costs nothing. */
  override fetch(request: Request): Response {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return Response.json({ code: "request.upgrade_required", message: "this route needs a WebSocket upgrade (Upgrade: websocket)" }, { status: 426 });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    const { shards } = this.#knownShards();
    return new Response(null, { status: 101, webSocket: client, ...(shards === undefined ? {} : { headers: { [KNOWN_SHARDS_HEADER]: String(shards) } }) });
  }

  /** Listeners only listen: what they send is ignored. */
  override webSocketMessage(): void {}

  override webSocketClose(ws: WebSocket, code: number): void {
    closeSocket(ws, code);
  }

  #broadcast(frame: LiveFrame): void {
    const sockets = this.ctx.getWebSockets();
    if (sockets.length === 0) return;
    const text = JSON.stringify(frame);
    for (const ws of sockets) {
      try {
        ws.send(text);
      } catch {
        // A socket closing as we send: its close handler ends it.
      }
    }
  }
}

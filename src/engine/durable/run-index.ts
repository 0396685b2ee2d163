// The run index: one Durable Object listing runs by workflow and status, newest first, and the open
// signal waits of live runs, oldest first. Run objects are the source of truth and push their entry
// here (see IndexOutbox); a push carries a version that only grows, so a late or repeated push never
// moves an entry backwards. Listeners on its WebSocket (hibernating) hear of every entry that changes.
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { fail, GroupCommit, migrate, ok, type RpcResult, Sql } from "../../kernel/index.ts";
import { IndexEntry, type IndexedRun, type InboxPage, type InboxQuery, type ListQuery, type RunPage } from "./index-entry.ts";
import { RUN_INDEX_MIGRATIONS } from "./run-index-schema.ts";
import { RunIndexStore } from "./run-index-store.ts";
import { closeSocket } from "./run-object.ts";

/** A frame on the list's live socket: a run whose entry changed (as GET /api/runs lists it), or one removed. */
export type LiveFrame = { type: "run"; run: IndexedRun } | { type: "removed"; runId: string };

export class RunIndex extends DurableObject<Env> {
  readonly #store: RunIndexStore;
  /** Pushes and removals arriving together share one commit (one shard takes every run's pushes). */
  readonly #writes = new GroupCommit();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = new Sql(ctx.storage);
    this.#store = new RunIndexStore(sql);
    void ctx.blockConcurrencyWhile(async () => migrate(sql, RUN_INDEX_MIGRATIONS));
  }

  /**
   * Records a run's entry unless a newer version is already recorded. Resolves once written: with the
   * entries pushed meanwhile, in one statement (see RunIndexStore.upsert).
   */
  upsert(raw: IndexEntry): Promise<void> {
    const entry = IndexEntry.parse(raw);
    return this.#writes.item(this.#upsertMany, entry).then((run) => {
      if (run !== null) this.#broadcast({ type: "run", run });
    });
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
  liveCounts(): { workflow: string; version: number; live: number }[] {
    return this.#store.liveCounts();
  }

  list(raw: ListQuery): RpcResult<RunPage> {
    const page = this.#store.list(raw);
    return page === null ? fail("request.invalid_cursor", "the cursor is not one this API returned") : ok(page);
  }

  /** The open signal waits of live runs, oldest first (by when each began). */
  inbox(raw: InboxQuery): RpcResult<InboxPage> {
    const page = this.#store.inbox(raw);
    return page === null ? fail("request.invalid_cursor", "the cursor is not one this API returned") : ok(page);
  }

  /** The live list: a WebSocket upgrade, accepted hibernatable so an idle listener costs nothing. */
  override fetch(request: Request): Response {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return Response.json({ code: "request.upgrade_required", message: "this route needs a WebSocket upgrade (Upgrade: websocket)" }, { status: 426 });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
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

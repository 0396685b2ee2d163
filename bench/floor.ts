// The floor: what one bare Durable Object does on the same machine, in the same `wrangler dev`, in the
// same bench run as our engine. Every engine figure is printed beside its floor as a ratio, so the table
// holds on a faster or slower machine. Nothing of the engine is imported here: plain SQLite and sockets.
//
//   POST /bench/floor/insert  { n }            a new object inserts n journal-shaped rows, one statement each
//   POST /bench/floor/fill    { name, n }      (setup) object `name` holds n rows
//   POST /bench/floor/read    { name }         object `name` reads its rows back and parses each row's JSON
//   POST /bench/floor/create  { name }         a new object writes one row (what a start must do at least)
//   POST /bench/floor/start-work { name, without? }  a new object does a start's storage work, no engine code
//                                              (see StartWorkObject): where a start's cost goes beyond the row;
//                                              `without`: "alarm", "index" or "schema" leaves that part out,
//                                              "all" all three (the start's rows alone)
//   POST /bench/floor/run-work { name, steps }  a new object does the storage work of a run of `steps` quick
//                                              steps, start to end (StartWorkObject.runWork), no engine code
//   GET  /bench/floor/fanout/:name             WebSocket to object `name` (hibernatable, as threads accept theirs)
//   POST /bench/floor/fanout/:name { deltas, interval }   sends `deltas` frames to every socket, each stamped
//                                              with Date.now() as it is sent, `interval` ms apart
//
// The in-object times (`inObjectMs`) are read with performance.now(), which workerd advances only at I/O
// and timers: each measured piece of work ends with a zero-delay timer, as the engine's replay does, so
// both clocks are read the same way.
//
// StartWorkObject is the one exception: it takes the run object's schema (its migrations, through the
// kernel's runner), the run store's statements for quick steps and the cadences they are written at
// (SQL text and constants, not engine code), to measure what a start, and a whole run, cost in storage alone.
import { DurableObject } from "cloudflare:workers";
import { YIELD_EVERY } from "../src/engine/durable/execution.ts";
import { batchStatementsFor, PLAIN_STEP_WRITES, plainBatchValues, UPSERT_TIMER } from "../src/engine/durable/run-store.ts";
import { CREATE_STEP_VIEWS, CREATED_LATER, MIGRATIONS } from "../src/engine/durable/schema.ts";
import { migrate, probeSchema } from "../src/kernel/migrations.ts";
import { Sql, type SqlValue } from "../src/kernel/sql.ts";
import { START_PARTS, type StartPart } from "./start-parts.ts";

export interface FloorEnv {
  FLOOR?: DurableObjectNamespace<FloorObject>;
  FLOOR_START?: DurableObjectNamespace<StartWorkObject>;
}

/** A journal row's JSON, the size of a small step result (as bench-chain's steps journal a number, with room). */
const RESULT = JSON.stringify({ ok: true, value: 123_456, note: "a small step result" });

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export class FloorObject extends DurableObject<unknown> {
  readonly #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(
      `CREATE TABLE IF NOT EXISTS rows (seq INTEGER PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, result TEXT,
         started_at INTEGER NOT NULL, completed_at INTEGER)`,
    );
  }

  /** n single-row INSERTs, as n steps journal n rows; returns the time they took in here. */
  async insert(n: number): Promise<{ rows: number; inObjectMs: number }> {
    const t0 = performance.now();
    const start = this.#count();
    for (let i = 0; i < n; i++) {
      const at = Date.now();
      this.#sql.exec(
        "INSERT INTO rows (seq, name, status, result, started_at, completed_at) VALUES (?, ?, ?, ?, ?, ?)",
        start + i + 1,
        "s",
        "completed",
        RESULT,
        at,
        at,
      );
    }
    await tick();
    return { rows: this.#count(), inObjectMs: performance.now() - t0 };
  }

  /** Every row, in order, with its JSON parsed, as a replay reads a journal. */
  async read(): Promise<{ rows: number; inObjectMs: number }> {
    const t0 = performance.now();
    let rows = 0;
    for (const row of this.#sql.exec("SELECT seq, name, status, result, started_at, completed_at FROM rows ORDER BY seq").raw()) {
      JSON.parse(row[3] as string);
      rows++;
    }
    await tick();
    return { rows, inObjectMs: performance.now() - t0 };
  }

  /** The least a start does: one row in a new object. */
  create(): number {
    const at = Date.now();
    this.#sql.exec("INSERT INTO rows (seq, name, status, result, started_at, completed_at) VALUES (1, 'start', 'running', NULL, ?, NULL)", at);
    return at;
  }

  /** One row in this object's own table, as the run index takes a run's entry (see StartWorkObject). */
  indexRow(runId: string, at: number): number {
    this.#sql.exec("CREATE TABLE IF NOT EXISTS entries (run_id TEXT PRIMARY KEY, status TEXT NOT NULL, created_at INTEGER NOT NULL)");
    this.#sql.exec(
      "INSERT INTO entries (run_id, status, created_at) VALUES (?, 'waiting', ?) ON CONFLICT (run_id) DO UPDATE SET status = excluded.status",
      runId,
      at,
    );
    return at;
  }

  override fetch(request: Request): Response {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    void request;
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Sends `deltas` frames to every connected socket, `interval` ms apart, each stamped with the time it leaves. */
  async fanout(deltas: number, interval: number): Promise<{ sockets: number }> {
    const sockets = this.ctx.getWebSockets();
    for (let i = 0; i < deltas; i++) {
      if (i > 0) await new Promise<void>((resolve) => setTimeout(resolve, interval));
      // One frame per delta, the shape of a chat delta frame (a UI chunk in a JSON envelope).
      const frame = JSON.stringify({ type: "chunk", body: { type: "text-delta", id: "t", delta: `<t=${Date.now()}> ` } });
      for (const ws of sockets) {
        try {
          ws.send(frame);
        } catch {
          // A socket closing as we send.
        }
      }
    }
    return { sockets: sockets.length };
  }

  override webSocketMessage(): void {}

  override webSocketClose(ws: WebSocket, code: number): void {
    try {
      ws.close(code === 1005 ? 1000 : code, "bye");
    } catch {
      // Already closed.
    }
  }

  #count(): number {
    return this.#sql.exec("SELECT COUNT(*) AS n FROM rows").one().n as number;
  }
}

/**
 * A start's storage work on a bare object, without the engine (no Hono, auth, validation, handler or
 * step machine): the run object's schema, created as a new run object creates it (probed, then the same
 * migrations through the same runner, in one script, without what a run creates later: CREATED_LATER); the rows a start of a run that waits writes (the run row
 * and its run.started event, the wait's step row and its event, the watchdog's timer); the alarm; and one
 * entry written to a second object, as the run index takes it. Its rate against the floor's `create` says
 * what the architecture costs a start; ours against it, what the engine's code adds.
 */
export class StartWorkObject extends DurableObject<FloorEnv> {
  /** `without`: one part left out, or all three, to see what they cost (the bench's decomposition of 2b's last row). */
  async start(name: string, without?: StartPart): Promise<number> {
    const sql = new Sql(this.ctx.storage);
    const plain = without === "schema" || without === "all";
    if (plain) sql.exec(PLAIN_TABLES);
    else migrate(sql, MIGRATIONS, probeSchema(sql), CREATED_LATER);
    const at = Date.now();
    insertRun(sql, name, at, { steps: 0, waitAtEnd: true }, { workflow: "bench-chain", version: 1 });
    const stepData = JSON.stringify({ seq: 0, name: "go", kind: "signal", attempt: 0 });
    const detail = JSON.stringify({ signal: "go", timeoutAt: null });
    // As a new run object writes its first steps: the row and its event, without the step views it makes later.
    sql.exec("INSERT INTO steps (seq, name, kind, status, attempts, started_at, detail) VALUES (0, 'go', 'signal', 'waiting', 0, ?, ?)", at, detail);
    sql.exec("INSERT INTO events (type, data, at) VALUES ('step.waiting', ?, ?)", stepData, at);
    sql.exec("INSERT INTO timers (at, kind, seq) VALUES (?, 'watchdog', -1)", at + 3_600_000);
    if (without !== "alarm" && without !== "all") await this.ctx.storage.setAlarm(at + 3_600_000);
    const index = without === "index" || without === "all" ? undefined : this.env.FLOOR?.getByName("start-work-index");
    if (index !== undefined) await index.indexRow(name, at);
    return at;
  }

  /**
   * The storage work of a run of `steps` quick steps, as a new run object does it (the same statements
   * in the same order and turns, read from a trace of one): in the start's turn the schema, the run row
   * and its event, the watchdog's timer and alarm; the steps eight to a batch, by the run store's own
   * statements (their rows, then their events, for the first 64 batches; then the step views are made
   * and a batch is one statement through them), a turn given way every 512 steps as a handler does; the
   * run's end and its event. It answers then, as a start held to the run's end does. A macrotask later, as
   * the run's side effects: its entry written to a second object, as the run index takes it, and once that
   * is confirmed the watchdog gives way to the retention's expiry (the timers, the index's confirmation
   * and the expiry on the run row, the alarm moved).
   */
  async runWork(name: string, steps: number): Promise<number> {
    const sql = new Sql(this.ctx.storage);
    migrate(sql, MIGRATIONS, probeSchema(sql), CREATED_LATER);
    const at = Date.now();
    insertRun(sql, name, at, { steps, waitAtEnd: false }, { runId: name, workflow: "bench-chain", version: 1 });
    sql.exec(UPSERT_TIMER, at + 30_000, "watchdog", -1);
    void this.ctx.storage.setAlarm(at + 30_000);
    let batches = 0;
    for (let from = 0; from < steps; from += 8) {
      if (from > 0 && from % YIELD_EVERY === 0) await tick();
      const now = Date.now();
      const to = Math.min(steps, from + 8);
      const statements = batchStatementsFor(to - from);
      const values: SqlValue[] = [];
      for (let seq = from; seq < to; seq++) {
        const data = JSON.stringify({ seq, name: "s", kind: "run", attempt: 1 });
        values.push(seq, "s", "run", 1, null, JSON.stringify(seq), now, now, data);
      }
      if (++batches > PLAIN_STEP_WRITES) {
        if (batches === PLAIN_STEP_WRITES + 1) sql.exec(CREATE_STEP_VIEWS);
        sql.exec(statements.views, ...values);
        continue;
      }
      const { rows, events } = plainBatchValues(values);
      sql.exec(statements.steps, ...rows);
      sql.exec(statements.events, ...events);
    }
    const end = Date.now();
    sql.exec(
      "UPDATE run SET status = 'completed', result = ?, error = NULL, on_complete = 'done', updated_at = ?, completed_at = ? WHERE id = 1",
      JSON.stringify(steps),
      end,
      end,
    );
    sql.exec("INSERT INTO events (type, data, at) VALUES ('run.finished', ?, ?)", JSON.stringify({ status: "completed", usage: NO_USAGE }), end);
    this.sideEffects = this.#afterEnd(sql, name, end);
    return end;
  }

  /** The side effects of the last run of runWork (see there), while they run or once they ran: for a test to wait on. */
  sideEffects: Promise<void> | undefined;

  async #afterEnd(sql: Sql, name: string, at: number): Promise<void> {
    // After a macrotask, as a run's side effects (Finishing.#sideEffects): the answer leaves first.
    await tick();
    await this.env.FLOOR?.getByName("start-work-index").indexRow(name, at);
    const expiresAt = at + 30 * 86_400_000;
    sql.exec("DELETE FROM timers");
    sql.exec("UPDATE run SET indexed_status = 'completed', indexed_version = 1 WHERE id = 1");
    sql.exec("UPDATE run SET expires_at = ? WHERE id = 1", expiresAt);
    sql.exec(UPSERT_TIMER, expiresAt, "retention", -1);
    void this.ctx.storage.setAlarm(expiresAt);
  }

  override async alarm(): Promise<void> {}
}

/** A bench-chain run's row, as a start inserts it, and its run.started event with `started` as its data. */
function insertRun(sql: Sql, name: string, at: number, args: { steps: number; waitAtEnd: boolean }, started: Record<string, unknown>): void {
  sql.exec(
    `INSERT INTO run (id, run_id, workflow, version, args, status, parent, created_at, updated_at, index_shard)
     VALUES (1, ?, 'bench-chain', 1, ?, 'running', NULL, ?, ?, 0)`,
    name,
    JSON.stringify(args),
    at,
    at,
  );
  sql.exec("INSERT INTO events (type, data, at) VALUES ('run.started', ?, ?)", JSON.stringify(started), at);
}

/** A run's token usage when its steps reported none, as its run.finished event carries it. */
const NO_USAGE = { inputTokens: 0, outputTokens: 0, totalTokens: 0, byModel: [] };

/** Instead of the run object's schema: four plain tables with the columns a start writes (no indexes, views, triggers or `_schema`). */
const PLAIN_TABLES = `
  CREATE TABLE run (id INTEGER PRIMARY KEY, run_id TEXT, workflow TEXT, version INTEGER, args TEXT, status TEXT, parent TEXT,
    created_at INTEGER, updated_at INTEGER, index_shard INTEGER);
  CREATE TABLE steps (seq INTEGER PRIMARY KEY, name TEXT, kind TEXT, status TEXT, attempts INTEGER, started_at INTEGER, detail TEXT);
  CREATE TABLE events (seq INTEGER PRIMARY KEY, type TEXT, data TEXT, at INTEGER);
  CREATE TABLE timers (id INTEGER PRIMARY KEY, at INTEGER, kind TEXT, seq INTEGER);
`;

const json = (body: unknown, status = 200) => Response.json(body, { status });

/** The floor's routes, or null when the request is not one of them. */
export async function floorFetch(request: Request, env: FloorEnv, url: URL): Promise<Response | null> {
  if (!url.pathname.startsWith("/bench/floor/")) return null;
  const ns = env.FLOOR;
  if (ns === undefined) return json({ error: "this bench worker has no FLOOR binding" }, 501);
  const what = url.pathname.slice("/bench/floor/".length);
  if (what.startsWith("fanout/")) {
    const stub = ns.getByName(decodeURIComponent(what.slice("fanout/".length)));
    if (request.method === "GET") return stub.fetch(request);
    const { deltas, interval } = (await request.json()) as { deltas: number; interval: number };
    return json(await stub.fanout(deltas, interval));
  }
  const body = (await request.json()) as { n?: number; name?: string; without?: string; steps?: number };
  switch (what) {
    case "insert":
      return json(await ns.getByName(`insert-${crypto.randomUUID()}`).insert(body.n ?? 0));
    case "fill":
      return json(await ns.getByName(body.name ?? "").insert(body.n ?? 0));
    case "read":
      return json(await ns.getByName(body.name ?? "").read());
    case "create":
      return json({ at: await ns.getByName(body.name ?? crypto.randomUUID()).create() });
    case "start-work": {
      if (env.FLOOR_START === undefined) return json({ error: "this bench worker has no FLOOR_START binding" }, 501);
      const name = body.name ?? crypto.randomUUID();
      const without = START_PARTS.find((p) => p === body.without);
      if (body.without !== undefined && without === undefined) return json({ error: `without: one of ${START_PARTS.join(", ")}` }, 400);
      return json({ at: await env.FLOOR_START.getByName(name).start(name, without) });
    }
    case "run-work": {
      if (env.FLOOR_START === undefined) return json({ error: "this bench worker has no FLOOR_START binding" }, 501);
      const name = body.name ?? crypto.randomUUID();
      return json({ at: await env.FLOOR_START.getByName(name).runWork(name, body.steps ?? 0) });
    }
    default:
      return json({ error: "not found" }, 404);
  }
}

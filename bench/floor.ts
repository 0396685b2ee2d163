// The floor: what one bare Durable Object does on the same machine, in the same `wrangler dev`, in the
// same bench run as our engine. Every engine figure is printed beside its floor as a ratio, so the table
// holds on a faster or slower machine. Nothing of the engine is imported here: plain SQLite and sockets.
//
//   POST /bench/floor/insert  { n }            a new object inserts n journal-shaped rows, one statement each
//   POST /bench/floor/fill    { name, n }      (setup) object `name` holds n rows
//   POST /bench/floor/read    { name }         object `name` reads its rows back and parses each row's JSON
//   POST /bench/floor/create  { name }         a new object writes one row (what a start must do at least)
//   GET  /bench/floor/fanout/:name             WebSocket to object `name` (hibernatable, as threads accept theirs)
//   POST /bench/floor/fanout/:name { deltas, interval }   sends `deltas` frames to every socket, each stamped
//                                              with Date.now() as it is sent, `interval` ms apart
//
// The in-object times (`inObjectMs`) are read with performance.now(), which workerd advances only at I/O
// and timers: each measured piece of work ends with a zero-delay timer, as the engine's replay does, so
// both clocks are read the same way.
import { DurableObject } from "cloudflare:workers";

export interface FloorEnv {
  FLOOR?: DurableObjectNamespace<FloorObject>;
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
  const body = (await request.json()) as { n?: number; name?: string };
  switch (what) {
    case "insert":
      return json(await ns.getByName(`insert-${crypto.randomUUID()}`).insert(body.n ?? 0));
    case "fill":
      return json(await ns.getByName(body.name ?? "").insert(body.n ?? 0));
    case "read":
      return json(await ns.getByName(body.name ?? "").read());
    case "create":
      return json({ at: await ns.getByName(body.name ?? crypto.randomUUID()).create() });
    default:
      return json({ error: "not found" }, 404);
  }
}

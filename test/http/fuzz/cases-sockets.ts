// Socket cases: frames to the chat socket, the thread events socket and the run events socket, each
// followed by a probe the server must answer, then a close with an odd code the server must complete.
// Server frames are judged: only the protocol's types, no secrets, no close the client did not ask for.
import { env } from "cloudflare:workers";
import { signTicket } from "../../../src/agents/streaming/ws-ticket.ts";
import { call } from "../../helpers/http.ts";
import { chatFrame, probeFrame, type FrameSpec } from "./chat-frames.ts";
import type { Fixtures } from "./fixtures.ts";
import { FuzzSocket } from "./fuzz-socket.ts";
import { secretValues } from "./oracle.ts";
import type { Rng } from "./prng.ts";
import { deepJson, hostileQueryValue } from "./values.ts";

export interface SocketContext {
  readonly caseNo: number;
  readonly rng: Rng;
  readonly fx: Fixtures;
  touch(sentinel: string): void;
  /** What the case did so far (socket path, frames), shown with exceptions traced to it. */
  note(repro: string): void;
  fail(f: { rule: string; where: string; detail: string; tags?: string[]; repro: string }): void;
}

export type SocketCase = (ctx: SocketContext) => Promise<void>;

const PROBE_MS = 5_000;
const CLOSE_CODES = [undefined, 1000, 1001, 1002, 1003, 1007, 1008, 1011, 2000, 3000, 4000, 4999] as const;
const SECRETS = secretValues();

function describeFrame(data: string | ArrayBuffer): string {
  if (typeof data !== "string") return `<binary ${data.byteLength} bytes>`;
  return data.length > 160 ? `${JSON.stringify(data.slice(0, 160))}…(${data.length} chars)` : JSON.stringify(data);
}

/** The socket's story so far: where it was opened, what was sent. */
function repro(path: string, sent: string[], close?: string): string {
  return [
    `WS ${path.replace(/ticket=[^&]+/, "ticket=<valid ticket>")}`,
    ...sent.map((s, i) => `  frame ${i + 1}: ${s}`),
    ...(close === undefined ? [] : [`  ${close}`]),
  ].join("\n");
}

/** Opens a thread socket with a fresh valid ticket; a refusal is a failure (and undefined). */
async function openThreadSocket(
  ctx: SocketContext,
  threadId: string,
  route: "ws" | "events",
  where: string,
): Promise<{ path: string; sock: FuzzSocket } | undefined> {
  const { ticket } = await signTicket({ secret: env.API_TOKEN, threadId, now: Date.now() });
  const path = `/api/threads/${threadId}/${route}?ticket=${encodeURIComponent(ticket)}`;
  const sock = await FuzzSocket.open(path);
  if (sock instanceof FuzzSocket) return { path, sock };
  ctx.fail({ rule: "socket-refused", where, detail: `a valid ticket was refused: ${sock.status} ${sock.text.slice(0, 120)}`, repro: repro(path, []) });
  return undefined;
}

function secretIn(text: string): boolean {
  return SECRETS.some((s) => text.includes(s));
}

/** Why a chat server frame breaks the protocol, or null. */
function badChatFrame(f: { text: string; binary: boolean }): string | null {
  if (f.binary) return "a binary frame";
  let v: unknown;
  try {
    v = JSON.parse(f.text);
  } catch {
    return `not JSON: ${f.text.slice(0, 80)}`;
  }
  if (typeof v !== "object" || v === null) return `not an object: ${f.text.slice(0, 80)}`;
  // SAFETY: every field is read as unknown and checked below.
  const frame = v as { type?: unknown; requestId?: unknown; sequence?: unknown; chunk?: unknown };
  if (!["start", "chunk", "end", "error", "no-active"].includes(String(frame.type)))
    return `type ${JSON.stringify(frame.type)} is not one of the protocol's five`;
  if (typeof frame.requestId !== "string") return "no string requestId";
  if (frame.type === "chunk" && (typeof frame.sequence !== "number" || typeof frame.chunk !== "object" || frame.chunk === null))
    return "a chunk without sequence or chunk";
  return null;
}

async function closeWith(ctx: SocketContext, sock: FuzzSocket, where: string, path: string, sent: string[]): Promise<void> {
  const code = ctx.rng.pick(CLOSE_CODES);
  const reason = ctx.rng.pick(["", "bye", "é".repeat(40), "x".repeat(120)]);
  const what = `close(${code ?? ""}${code === undefined ? "" : `, ${JSON.stringify(reason.slice(0, 20))}`})`;
  ctx.note(repro(path, sent, sock.closed === null ? what : `(closed by the server: ${sock.closed.code})`));
  if (sock.closed !== null) return;
  if (!(await sock.close(code, reason))) {
    ctx.fail({
      rule: "socket-close-unanswered",
      where,
      detail: `the server never completed the closing handshake after ${what}`,
      tags: [`close:${code ?? "none"}`],
      repro: repro(path, sent, what),
    });
  }
}

/**
 * Lets the object finish with the frames it was sent before the case ends, so an exception it throws
 * is traced to this case: a request to the same object queues behind them, then a macrotask turn.
 */
async function flush(apiPath: string): Promise<void> {
  await (await call("GET", apiPath)).text();
  await new Promise((resolve) => setTimeout(resolve, 5));
}

function unexpectedClose(ctx: SocketContext, sock: FuzzSocket, where: string, path: string, sent: string[], tags: string[]): void {
  if (sock.closed === null || !sock.closed.byServer) return;
  ctx.fail({
    rule: "socket-closed-by-server",
    where,
    detail: `the server closed the socket with ${sock.closed.code} ${JSON.stringify(sock.closed.reason)}`,
    tags,
    repro: repro(path, sent),
  });
}

const chatSocket: SocketCase = async (ctx) => {
  const { rng, fx } = ctx;
  const safe = rng.chance(0.7);
  const threadId = safe ? fx.sentinel.thread : rng.pick(fx.throwaway.threads);
  if (safe) ctx.touch("thread");
  const where = "WS /api/threads/:id/ws";
  const opened = await openThreadSocket(ctx, threadId, "ws", where);
  if (opened === undefined) return;
  const { path, sock } = opened;
  const sent: string[] = [];
  const errorsNotProbes = () => sock.frames.filter((f) => !f.binary && f.text.includes('"type":"error"') && !f.text.includes('"requestId":"probe-')).length;
  const tags: string[] = [];
  for (let i = 0, n = rng.int(1, 5); i < n && sock.closed === null; i++) {
    const frame: FrameSpec = chatFrame(rng, safe);
    tags.push(frame.tag);
    sent.push(describeFrame(frame.data));
    const errorsBefore = errorsNotProbes();
    sock.send(frame.data);
    sock.send(probeFrame(i));
    const probed = await sock.until(() => sock.frames.some((f) => f.text.includes(`"requestId":"probe-${i}"`)), PROBE_MS);
    if (!probed) {
      if (sock.closed === null)
        ctx.fail({
          rule: "socket-unresponsive",
          where,
          detail: `no answer to a probe within ${PROBE_MS} ms after the frame`,
          tags: [frame.tag],
          repro: repro(path, sent),
        });
      break;
    }
    // Handlers interleave at awaits: the frame's error may come after the probe's, so give it a moment.
    if (frame.kind === "invalid" && !(await sock.until(() => errorsNotProbes() > errorsBefore, 1_000))) {
      ctx.fail({ rule: "invalid-frame-unanswered", where, detail: "an invalid frame got no error frame", tags: [frame.tag], repro: repro(path, sent) });
    }
  }
  unexpectedClose(ctx, sock, where, path, sent, tags);
  for (const f of sock.frames) {
    const why = badChatFrame(f);
    if (why !== null) ctx.fail({ rule: "bad-server-frame", where, detail: why, tags, repro: repro(path, sent) });
    if (secretIn(f.text)) ctx.fail({ rule: "secret-echoed", where, detail: "a server frame holds a secret value", tags, repro: repro(path, sent) });
  }
  await closeWith(ctx, sock, where, path, sent);
  await flush(`/api/threads/${threadId}`);
};

const threadEvents: SocketCase = async (ctx) => {
  const { rng, fx } = ctx;
  const threadId = rng.pick([fx.sentinel.thread, ...fx.throwaway.threads]);
  const where = "WS /api/threads/:id/events";
  const opened = await openThreadSocket(ctx, threadId, "events", where);
  if (opened === undefined) return;
  const { path, sock } = opened;
  const sent: string[] = [];
  for (let i = 0, n = rng.int(0, 3); i < n; i++) {
    const frame = chatFrame(rng, true);
    sent.push(describeFrame(frame.data));
    sock.send(frame.data);
  }
  if (!(await sock.until(() => sock.frames.length > 0, PROBE_MS))) {
    ctx.fail({ rule: "socket-unresponsive", where, detail: "no thread.snapshot", repro: repro(path, sent) });
  } else if (!sock.frames[0]!.text.startsWith('{"type":"thread.snapshot"')) {
    ctx.fail({
      rule: "bad-server-frame",
      where,
      detail: `the first frame is not thread.snapshot: ${sock.frames[0]!.text.slice(0, 80)}`,
      repro: repro(path, sent),
    });
  }
  unexpectedClose(ctx, sock, where, path, sent, []);
  await closeWith(ctx, sock, where, path, sent);
  await flush(`/api/threads/${threadId}`);
};

function runFrame(rng: Rng): string | ArrayBuffer {
  return rng.weighted<() => string | ArrayBuffer>([
    [3, () => "ping"],
    [3, () => rng.pick(["", "PING", "pong", "ping ", "{}", '{"type":"ping"}', "\ud800", "null", "close"])],
    [1, () => new Uint8Array([0x70, 0x69, 0x6e, 0x67]).buffer],
    [1, () => "x".repeat(1024 * 1024 + 10)],
    [1, () => deepJson(rng.pick([1000, 100_000]), "array")],
  ])();
}

/** Why a run socket frame is neither "pong" nor an event `{ seq, type, at, data }`, or null. */
function badRunFrame(f: { text: string; binary: boolean }): string | null {
  if (f.binary) return "a binary frame";
  if (f.text === "pong") return null;
  try {
    // SAFETY: every field is read as unknown and checked on the next line.
    const e = JSON.parse(f.text) as { seq?: unknown; type?: unknown; at?: unknown; data?: unknown };
    if (typeof e.seq === "number" && typeof e.type === "string" && typeof e.at === "number" && typeof e.data === "object") return null;
  } catch {
    // Falls through.
  }
  return `neither pong nor an event: ${f.text.slice(0, 80)}`;
}

const runSocket: SocketCase = async (ctx) => {
  const { rng, fx } = ctx;
  const target = rng.pick([
    { id: fx.sentinel.waiting, name: "run:waiting" },
    { id: fx.sentinel.completed, name: "run:completed" },
    { id: fx.throwaway.waiters[0]!, name: "throwaway" },
  ]);
  if (target.name.startsWith("run:")) ctx.touch(target.name);
  const where = "WS /api/runs/:runId/ws";
  const path = `/api/runs/${target.id}/ws${rng.chance(0.4) ? `?after=${encodeURIComponent(hostileQueryValue(rng))}` : ""}`;
  // Earlier cases may have ended a run (the sentinel only if the app let them): ask, do not assume.
  const view: unknown = await (await call("GET", `/api/runs/${target.id}?steps=none`)).json();
  const status = typeof view === "object" && view !== null && "status" in view ? view.status : undefined;
  const finished = status === "completed" || status === "failed" || status === "canceled";
  const sock = await FuzzSocket.open(path, { authorization: "Bearer test-token" });
  if (!(sock instanceof FuzzSocket)) {
    if (sock.status >= 500) ctx.fail({ rule: "5xx", where, detail: `opening answered ${sock.status}: ${sock.text.slice(0, 120)}`, repro: repro(path, []) });
    return;
  }
  const sent: string[] = [];
  let pings = 0;
  const pongs = () => sock.frames.filter((f) => f.text === "pong").length;
  for (let i = 0, n = rng.int(1, 5); i < n && sock.closed === null; i++) {
    const frame = runFrame(rng);
    sent.push(describeFrame(frame));
    sock.send(frame);
    if (frame === "ping") pings++;
    if (finished) continue;
    sock.send("ping");
    pings++;
    if (!(await sock.until(() => pongs() >= pings, PROBE_MS)) && sock.closed === null) {
      ctx.fail({ rule: "socket-unresponsive", where, detail: `no pong within ${PROBE_MS} ms`, repro: repro(path, sent) });
      break;
    }
  }
  // A finished run's socket replays its events and closes (1000); any other close is the server's doing.
  if (finished) await sock.until(() => sock.closed !== null, 2_000);
  if (finished && sock.closed?.code !== 1000) {
    ctx.fail({ rule: "socket-not-closed", where, detail: `a finished run's socket ended with ${sock.closed?.code ?? "nothing"}`, repro: repro(path, sent) });
  }
  if (!finished) unexpectedClose(ctx, sock, where, path, sent, []);
  for (const f of sock.frames) {
    const why = badRunFrame(f);
    if (why !== null) ctx.fail({ rule: "bad-server-frame", where, detail: why, repro: repro(path, sent) });
    if (secretIn(f.text)) ctx.fail({ rule: "secret-echoed", where, detail: "a server frame holds a secret value", repro: repro(path, sent) });
  }
  await closeWith(ctx, sock, where, path, sent);
  await flush(`/api/runs/${target.id}?steps=none`);
};

export const socketCases: readonly (readonly [number, SocketCase])[] = [
  [6, chatSocket],
  [1, threadEvents],
  [3, runSocket],
];

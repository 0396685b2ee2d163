// Sends one fuzz request through the real Worker, reads what came back (a socket is closed, a stream
// cut after its first chunk), and hands it to the oracle; what it breaks goes to the failure log.
import { exports } from "cloudflare:workers";
import type { Fixtures } from "./fixtures.ts";
import { describeRequest, judge, type Expectation, type SentRequest } from "./oracle.ts";
import type { Rng } from "./prng.ts";
import type { FailureLog } from "./report.ts";

export const ORIGIN = "http://stepwise.test";
const TIMEOUT_MS = 15_000;

export interface FuzzRequest {
  route: string;
  method: string;
  /** Path and query as the client writes them; the URL parser encodes or resolves what it must. */
  path: string;
  /** null values are left out (a header the case chose not to send). */
  headers?: Record<string, string | null>;
  body?: string | Uint8Array | null;
  expect?: Expectation;
  tags?: string[];
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export interface CaseContext {
  readonly caseNo: number;
  readonly rng: Rng;
  readonly fx: Fixtures;
  /** Sends and judges; null when the runtime refused to build the request (not a failure). */
  send(req: FuzzRequest): Promise<Reply | null>;
  /** Notes that the case aimed at a sentinel, so a change to it is traced back to the cases that could have made it. */
  touch(sentinel: string): void;
}

export type FuzzCase = (ctx: CaseContext) => Promise<void>;

export interface Counters {
  httpCases: number;
  socketCases: number;
  requests: number;
  unsendable: number;
  byStatus: Map<number, number>;
  httpMs: number;
  socketMs: number;
}

export function newCounters(): Counters {
  return { httpCases: 0, socketCases: 0, requests: 0, unsendable: 0, byStatus: new Map(), httpMs: 0, socketMs: 0 };
}

/** The `send` of one case. */
export function sender(caseNo: number, log: FailureLog, counters: Counters): (req: FuzzRequest) => Promise<Reply | null> {
  return async (req) => {
    const headers: [string, string][] = Object.entries(req.headers ?? {}).flatMap(([k, v]) => (v === null ? [] : [[k, v] as [string, string]]));
    let request: Request;
    try {
      // A Uint8Array is a valid body at runtime; the DOM lib's BodyInit is stricter than workerd's.
      request = new Request(`${ORIGIN}${req.path}`, { method: req.method, headers, body: req.body ?? null });
    } catch {
      counters.unsendable++;
      return null;
    }
    const sent: SentRequest = {
      route: req.route,
      method: request.method,
      url: request.url,
      headers,
      body: req.body ?? null,
      expect: req.expect ?? "any",
      tags: req.tags ?? [],
    };
    counters.requests++;
    let reply: Reply;
    try {
      reply = await withTimeout(exchange(request), TIMEOUT_MS);
    } catch (err) {
      log.add({ rule: "no-answer", where: req.route, detail: `no answer: ${String(err)}`, caseNo, tags: sent.tags, repro: describeRequest(sent) });
      return null;
    }
    counters.byStatus.set(reply.status, (counters.byStatus.get(reply.status) ?? 0) + 1);
    for (const v of judge(sent, reply)) {
      log.add({ rule: v.rule, where: req.route, status: v.status, code: v.code, detail: v.detail, caseNo, tags: sent.tags, repro: describeRequest(sent) });
    }
    return reply;
  };
}

async function exchange(request: Request): Promise<Reply> {
  const res = await exports.default.fetch(request);
  let text = "";
  if (res.webSocket !== null) {
    res.webSocket.accept();
    res.webSocket.close(1000, "fuzz: done");
  } else if (res.body !== null && (res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    // A run's event stream stays open while the run lives: what arrives first is enough.
    const reader = res.body.getReader();
    const first: { value?: Uint8Array } = await withTimeout(reader.read(), 2_000).catch(() => ({}));
    text = first.value === undefined ? "" : new TextDecoder().decode(first.value);
    await reader.cancel().catch(() => {});
  } else {
    text = await res.text();
  }
  let json: unknown;
  try {
    json = text.startsWith("{") || text.startsWith("[") ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer = 0;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

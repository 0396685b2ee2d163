// HTTP for the chaos harness: one call with a timeout, a call repeated until the server takes it (across
// kills, with the same Idempotency-Key), and waits the kill loop can cut short to send while the server is down.
import { TOKEN } from "../../test/helpers/dev-api.ts";
import type { Rng } from "./prng.ts";

/** The server as it is now: its url changes with every restart. */
export interface Target {
  readonly url: string;
}

export interface Reply {
  status: number;
  text: string;
  json: any;
}

export interface CallOptions {
  json?: unknown;
  form?: Record<string, string>;
  /** The Idempotency-Key header. */
  key?: string;
  timeoutMs?: number;
}

/** One request with the test token; throws on a network error or timeout (a killed server). */
export async function call(target: Target, method: string, path: string, opts: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
  let body: string | URLSearchParams | undefined;
  if (opts.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(opts.json);
  } else if (opts.form !== undefined) {
    body = new URLSearchParams(opts.form);
  }
  if (opts.key !== undefined) headers["idempotency-key"] = opts.key;
  const res = await fetch(`${target.url}${path}`, { method, headers, body, signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000) });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text === "" ? null : JSON.parse(text);
  } catch {
    // An HTML page (approvals) or a proxy error: callers read `text`.
  }
  return { status: res.status, text, json };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** How long something may be retried: until the deadline, or until the round is over. */
export interface Limit {
  deadline: number;
  signal: AbortSignal;
}

export const within = (limit: Limit) => Date.now() < limit.deadline && !limit.signal.aborted;

/**
 * Sends until `done` holds of a reply: network errors and 5xx (a killed or restarting server, an injected
 * fault) are retried with backoff; any other reply that is not `done` throws, as does the limit.
 * @example
 * const { reply } = await persist("start", limit, () => call(dev, "POST", path, { json, key }), (r) => r.status === 201 || r.status === 200);
 */
export async function persist(what: string, limit: Limit, send: () => Promise<Reply>, done: (r: Reply) => boolean): Promise<{ reply: Reply; tries: number }> {
  let last = "nothing";
  for (let tries = 1; within(limit); tries++) {
    try {
      const reply = await send();
      if (done(reply)) return { reply, tries };
      last = `HTTP ${reply.status} ${reply.text.slice(0, 300)}`;
      if (reply.status < 500 && reply.status !== 408 && reply.status !== 429) throw new Refused(`${what}: ${last}`);
    } catch (err) {
      if (err instanceof Refused) throw err;
      last = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    await sleep(Math.min(1_000, 100 * 2 ** Math.min(tries, 4)));
  }
  throw new Error(`${what}: not accepted ${limit.signal.aborted ? "before the round ended" : "before the deadline"} (last: ${last})`);
}

/** The server answered, and not with what was asked: retrying would not help. */
class Refused extends Error {
  override name = "Refused";
}

/** Waits that the kill loop may end early, so that what follows them is sent while the server is down. */
export class Pauses {
  /** Each pending wait, with the chance that a kill ends it. */
  readonly #pending = new Map<() => void, number>();

  /** Resolves after `ms`, or sooner if `hurry` picks this wait (with probability `chance` at each kill). */
  wait(ms: number, chance: number): Promise<void> {
    return new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        this.#pending.delete(end);
        resolve();
      };
      const timer = setTimeout(end, ms);
      this.#pending.set(end, chance);
    });
  }

  /** Ends every pending wait (the round is over). */
  endAll(): void {
    for (const end of [...this.#pending.keys()]) end();
  }

  /** Ends each pending wait with its chance; returns how many it ended. */
  hurry(rng: Rng): number {
    let n = 0;
    for (const [end, chance] of [...this.#pending]) {
      if (rng.chance(chance)) {
        end();
        n++;
      }
    }
    return n;
  }
}

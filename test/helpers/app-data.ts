// For workers tests of the app's D1 data: the rows a run wrote, and the context a mutation receives, to
// call a mutation's handler directly as the engine would (same idempotency key = same step).
import { env } from "cloudflare:workers";
import { withCalls, type ActionContext } from "../../src/engine/index.ts";
import { stepwise } from "../worker.ts";

export { rowsOfRun, rowsWithKey, type AppTable } from "./app-rows.ts";

/** What the engine passes a mutation's handler for attempt `attempt` of step `seq` of run `runId`. */
export function mutationContext(runId: string, seq: number, opts: { attempt?: number; env?: Env } = {}): ActionContext {
  const base = { env: opts.env ?? env, runId, seq, attempt: opts.attempt ?? 1, signal: new AbortController().signal, idempotencyKey: `${runId}:${seq}` };
  return withCalls(base, stepwise.registry);
}

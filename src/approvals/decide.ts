// Deciding an approval, whoever decides: the emailed link's page or an operator in the console. One
// once-only key per request, so the first decision wins and every later one is told it came too late.
import { StepwiseError, type StepwiseClient } from "../engine/index.ts";
import { APPROVAL_LABEL, APPROVAL_REQUEST_STEPS, type ApprovalDecision } from "./request.ts";

/** The once-only key of one approval request: every link copy and the console share it. */
export function approvalOnceKey(signal: string, requestSeq: number): string {
  return `approval:${signal}:${requestSeq}`;
}

/** Why a decision was not taken. `wait_ended`: the request's wait timed out or a signal from elsewhere ended it. */
export type DecisionRefusal = "already_decided" | "run_finished" | "wait_ended";

/**
 * Sends a decision into the wait of the request at `requestSeq`; the run object takes it only if it is the
 * first under the request's once-only key and that wait still waits, atomically with storing it.
 * @example
 * const sent = await sendDecision(client, { runId, signal, requestSeq, decision: { approved: true, by: "console" } });
 * if (!sent.ok && sent.refused === "already_decided") ...
 */
export async function sendDecision(
  client: StepwiseClient,
  d: { runId: string; signal: string; requestSeq: number; decision: ApprovalDecision },
): Promise<{ ok: true } | { ok: false; refused: DecisionRefusal }> {
  try {
    const sent = await client.signalRun(d.runId, d.signal, d.decision, { onceKey: approvalOnceKey(d.signal, d.requestSeq), forWaitAfter: d.requestSeq });
    return sent.duplicate ? { ok: false, refused: "already_decided" } : { ok: true };
  } catch (err) {
    if (err instanceof StepwiseError && err.code === "signal.run_finished") return { ok: false, refused: "run_finished" };
    if (err instanceof StepwiseError && err.code === "signal.not_waiting") return { ok: false, refused: "wait_ended" };
    throw err;
  }
}

/** An approval's wait as the console finds it by the wait's seq. */
export interface ApprovalWait {
  signal: string;
  requestSeq: number;
  runStatus: string;
  /** The wait's status: `waiting` while it may be decided. */
  waitStatus: string;
  /** The decision taken already (from a link or the console), if any. */
  decided: { at: number; payload: unknown } | null;
}

/**
 * The approval wait at `waitSeq` of a run, or null when that seq is not one: a signal wait labeled
 * "approval" that names its request step, which is the request that wait answers. Throws `run.not_found`.
 */
export async function findApprovalWait(client: StepwiseClient, runId: string, waitSeq: number): Promise<ApprovalWait | null> {
  const at = await client.getStepInfo(runId, waitSeq);
  const wait = at.step?.kind === "signal" ? at.step.wait : undefined;
  if (at.step == null || wait?.label !== APPROVAL_LABEL || wait.forStep === undefined) return null;
  const requestSeq = wait.forStep;
  const request = await client.getStepInfo(runId, requestSeq, { onceKey: approvalOnceKey(wait.signal, requestSeq), waitFor: wait.signal });
  // The request's link decides the first wait on its signal after it: the console must mean that same wait.
  if (request.step == null || !APPROVAL_REQUEST_STEPS.has(request.step.name) || request.wait?.seq !== waitSeq) return null;
  return { signal: wait.signal, requestSeq, runStatus: request.runStatus, waitStatus: at.step.status, decided: request.signaled };
}

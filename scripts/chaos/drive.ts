// Drives one planned run through a chaos round: starts it (retried with its Idempotency-Key across kills),
// sends its signals (each with its own key, some while the server is down), decides its emailed approval link.
import { RunView, Started } from "./api-shapes.ts";
import { call, persist, sleep, within, type Limit, type Pauses, type Reply, type Target } from "./http.ts";
import type { LogTap } from "./log-tap.ts";
import type { RunPlan } from "./plan.ts";

/** The round as its drivers see it; nothing is retried past its deadline, or once its signal aborts. */
export interface RoundContext extends Limit {
  dev: Target;
  pauses: Pauses;
  tap: LogTap;
  /** false from a SIGKILL until the restarted server is ready. */
  isUp(): boolean;
  /** When each SIGKILL was sent (Date.now()). */
  killedAt: number[];
}

export interface Driven {
  plan: RunPlan;
  /** Set once a start was accepted. */
  runId?: string;
  /** What the server refused, or what never got through before the deadline. */
  problems: string[];
  signalsAccepted: number;
  /** Signals (and approval decisions) whose first try went to a server that was down. */
  sentWhileDown: number;
  startedWhileDown: boolean;
  /** How the approval was decided, for the report. */
  decided?: string;
}

/** The chance that a kill ends a pending wait early: some starts, and many signals and decisions, go to a down server. */
const HURRY_START = 0.15;
const HURRY_SEND = 0.5;

const accepted = (r: Reply) => r.status === 202 || (r.status === 200 && r.json?.duplicate === true);

/**
 * Plays the plan's part: start, then signals or an approval decision. Never throws: what fails lands in
 * `problems`, which the checks report.
 * @example
 * const driven = await Promise.all(plans.map((p) => drive(ctx, p)));
 */
export async function drive(ctx: RoundContext, plan: RunPlan): Promise<Driven> {
  const d: Driven = { plan, problems: [], signalsAccepted: 0, sentWhileDown: 0, startedWhileDown: false };
  try {
    await ctx.pauses.wait(plan.startAtMs, HURRY_START);
    d.startedWhileDown = !ctx.isUp();
    const { reply } = await persist(
      `start ${plan.label}`,
      ctx,
      () => call(ctx.dev, "POST", `/api/workflows/${plan.workflow}/runs`, { json: { args: plan.args }, key: plan.key }),
      (r) => r.status === 201 || r.status === 200,
    );
    const { runId } = Started.parse(reply.json);
    d.runId = runId;
    if (plan.signals !== undefined) await sendSignals(ctx, d, runId, plan.signals);
    if (plan.signal !== undefined) await sendOne(ctx, d, runId, plan.signal);
    if (plan.approval !== undefined) await decide(ctx, d, runId, plan.approval);
    if (plan.cancel !== undefined) await cancelParent(ctx, d, runId, plan.cancel.afterMs);
  } catch (err) {
    d.problems.push(err instanceof Error ? err.message : String(err));
  }
  return d;
}

/** Sends one signal until the server accepts it (202, or 200 for a repeat of its key after a kill). */
async function send(ctx: RoundContext, d: Driven, runId: string, name: string, key: string, payload: unknown): Promise<void> {
  if (!ctx.isUp()) d.sentWhileDown++;
  await persist(
    `signal ${name} (${key}) to ${d.plan.label}`,
    ctx,
    () => call(ctx.dev, "POST", `/api/runs/${runId}/signals/${name}`, { json: { payload }, key }),
    accepted,
  );
}

async function sendSignals(ctx: RoundContext, d: Driven, runId: string, signals: NonNullable<RunPlan["signals"]>): Promise<void> {
  for (const [i, payload] of signals.payloads.entries()) {
    await ctx.pauses.wait(signals.delaysMs[i] ?? 0, HURRY_SEND);
    await send(ctx, d, runId, "go", `${d.plan.key}-go-${i}`, payload);
    d.signalsAccepted++;
  }
  // Only after every "go" was accepted: the run then looks for one more "go", which must not exist.
  await send(ctx, d, runId, "done", `${d.plan.key}-done`, true);
}

async function sendOne(ctx: RoundContext, d: Driven, runId: string, signal: NonNullable<RunPlan["signal"]>): Promise<void> {
  await ctx.pauses.wait(signal.delayMs, HURRY_SEND);
  await send(ctx, d, runId, signal.name, `${d.plan.key}-${signal.name}`, signal.payload);
  d.signalsAccepted++;
}

async function decide(ctx: RoundContext, d: Driven, runId: string, approval: NonNullable<RunPlan["approval"]>): Promise<void> {
  const emailed = await emailedToken(ctx, d, runId);
  await ctx.pauses.wait(approval.delayMs, HURRY_SEND);
  if (!ctx.isUp()) d.sentWhileDown++;
  if (emailed.token === undefined) {
    // The email went down with the server: decide the way the API allows, as the link would have.
    await persist(
      `signal the approval of ${d.plan.label}`,
      ctx,
      () =>
        call(ctx.dev, "POST", `/api/runs/${runId}/signals/approval`, {
          json: { payload: { approved: approval.approve, by: approval.by } },
          key: `${d.plan.key}-approval`,
        }),
      accepted,
    );
    d.decided = `through the signal API: ${emailed.why}`;
    return;
  }
  // A decision whose answer was lost to a kill is sent again: the link then says it was already decided.
  await persist(
    `decide the approval link of ${d.plan.label}`,
    ctx,
    () => call(ctx.dev, "POST", `/approvals/${emailed.token}`, { form: { decision: approval.approve ? "approve" : "reject" } }),
    (r) => r.status === 200 || (r.status === 409 && r.text.includes("Already decided")),
  );
  d.decided = "through the emailed link";
}

/** How long after its request step completed an email may take to show up in the log. */
const EMAIL_GRACE_MS = 5_000;

/**
 * The link token from the run's email, once the log shows it. miniflare's local send_email writes the
 * email (and logs its path) in a waitUntil after send() has returned, so a SIGKILL right after the
 * request step completed loses it: then (and only then) this gives up, with the reason. An email
 * missing with no kill to explain it throws: a request step that completed without sending.
 */
async function emailedToken(ctx: RoundContext, d: Driven, runId: string): Promise<{ token: string; why?: undefined } | { token: undefined; why: string }> {
  let completedAt: number | undefined;
  let lastRead = 0;
  while (within(ctx)) {
    const token = ctx.tap.tokenFor(runId);
    if (token !== undefined) return { token };
    if (completedAt === undefined && ctx.isUp() && Date.now() - lastRead > 500) {
      lastRead = Date.now();
      const res = await call(ctx.dev, "GET", `/api/runs/${runId}`).catch(() => undefined);
      const run = res?.status === 200 ? RunView.parse(res.json) : undefined;
      completedAt = run?.steps.find((s) => s.name === "stepwise.requestApproval" && s.status === "completed")?.completedAt ?? undefined;
    }
    if (completedAt !== undefined && Date.now() - completedAt > EMAIL_GRACE_MS) {
      const kill = ctx.killedAt.find((t) => t >= completedAt! - 50 && t <= completedAt! + 3_000);
      if (kill === undefined)
        throw new Error(
          `no approval email for ${d.plan.label} (${runId}) in the log, ${EMAIL_GRACE_MS} ms after its request step completed, and no kill right after it`,
        );
      return {
        token: undefined,
        why: `its email was lost with the server, SIGKILLed ${kill - completedAt} ms after the request step completed (miniflare writes local emails after send() returns)`,
      };
    }
    await sleep(100);
  }
  throw new Error(`no approval email for ${d.plan.label} (${runId}) in the log before the round ended`);
}

/** Waits until the run waits on its child run, then cancels it (again after a kill: 409 once it ended). */
async function cancelParent(ctx: RoundContext, d: Driven, runId: string, afterMs: number): Promise<void> {
  await persist(
    `see ${d.plan.label} wait on its child`,
    ctx,
    () => call(ctx.dev, "GET", `/api/runs/${runId}?steps=none`),
    (r) => r.status === 200 && RunView.parse(r.json).waitingFor.some((w) => (w as { kind?: string }).kind === "workflow"),
  );
  await ctx.pauses.wait(afterMs, HURRY_SEND);
  if (!ctx.isUp()) d.sentWhileDown++;
  await persist(
    `cancel ${d.plan.label}`,
    ctx,
    () => call(ctx.dev, "POST", `/api/runs/${runId}/cancel`),
    (r) => r.status === 200 || r.status === 409,
  );
}

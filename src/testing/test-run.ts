// One run under test: its outcome (skipping the time it sleeps), signals and approvals delivered to it,
// what it waits for, its journal and events, and an eviction that makes it replay.
import { evictDurableObject } from "cloudflare:test";
import type { RunEvent, RunView, StepwiseClient, WaitingFor } from "../engine/index.ts";
import { approvalLink, decideByLink, type LinkAnswer } from "./approval-links.ts";
import { RunJournal } from "./run-journal.ts";
import { withInternals, type RunObjectStub } from "./quiet.ts";

/** How a run ended. */
export type TestOutcome = { status: "completed"; result: unknown } | { status: "failed"; error: { code: string; message: string } } | { status: "canceled" };

/** What a TestRun needs of the environment that started it. */
export interface RunsUnderTest {
  readonly env: Env;
  readonly client: StepwiseClient;
  stub(runId: string): RunObjectStub;
  /** Waits until every run under test is quiet. */
  settle(): Promise<void>;
  /** Fires the timers of the runs under test up to `now() + ms`, in the order they fall due. */
  advance(ms: number): Promise<void>;
  /** Fires the next timer of the runs under test; false when none is armed. */
  fireNext(): Promise<boolean>;
  /** The status the run had when the runs under test were last quiet (undefined for a run not followed). */
  statusOf(runId: string): string | undefined;
}

/** The statuses a run ends in. */
export const FINISHED: ReadonlySet<string> = new Set(["completed", "failed", "canceled"]);

/** The run failed or was canceled where a test asked for its result. */
export class RunOutcomeError extends Error {
  readonly outcome: TestOutcome;
  constructor(runId: string, outcome: Exclude<TestOutcome, { status: "completed" }>) {
    super(outcome.status === "failed" ? `run ${runId} failed: ${outcome.error.code}: ${outcome.error.message}` : `run ${runId} was canceled`);
    this.name = "RunOutcomeError";
    this.outcome = outcome;
  }
}

export class TestRun<Result = unknown> {
  readonly runId: string;
  readonly #runs: RunsUnderTest;

  constructor(runs: RunsUnderTest, runId: string) {
    this.#runs = runs;
    this.runId = runId;
  }

  /** The run object's stub, for what the kit does not cover. */
  get stub(): RunObjectStub {
    return this.#runs.stub(this.runId);
  }

  /** The run as `GET /api/runs/:runId` shows it, once every run under test is quiet. */
  async view(): Promise<RunView> {
    await this.#runs.settle();
    return this.#runs.client.getRun(this.runId);
  }

  async status(): Promise<RunView["status"]> {
    return (await this.view()).status;
  }

  /** What the run's open steps wait for: sleeps, retries, signals (with their timeouts), children. */
  async waitingFor(): Promise<WaitingFor[]> {
    return (await this.view()).waitingFor;
  }

  /**
   * Runs the run to its end, firing each timer it (or a child) sets at its due time without waiting for
   * it: sleeps, retry backoffs, signal timeouts and approval expiries. Fails when the run waits for a
   * signal that has no timeout, since nothing would ever wake it.
   */
  async outcome(): Promise<TestOutcome> {
    for (;;) {
      await this.#runs.settle();
      const v = await this.#runs.client.getRun(this.runId, { steps: "none" });
      if (FINISHED.has(v.status)) return outcomeOf(v);
      if (await this.#runs.fireNext()) continue;
      // First in its line: its pool's admission may be on its way (the run ahead just gave its slot back).
      if (v.queue?.position === 0 && v.queue.kind !== "debounce" && (await this.#admitted())) continue;
      throw new Error(stuck(v));
    }
  }

  /** Waits a little for a pool's admission in flight (another object's I/O, not a timer); false if none came. */
  async #admitted(): Promise<boolean> {
    for (let i = 0; i < 50; i++) {
      await scheduler.wait(10);
      if ((await this.#runs.client.getRun(this.runId, { steps: "none" })).status !== "queued") return true;
    }
    return false;
  }

  /** The run's result, skipping time as `outcome()` does; throws a RunOutcomeError when it failed or was canceled. */
  async result(): Promise<Result> {
    const outcome = await this.outcome();
    if (outcome.status !== "completed") throw new RunOutcomeError(this.runId, outcome);
    // SAFETY: a completed run's result passed its workflow's `returns` (or is what its handler returned).
    return outcome.result as Result;
  }

  /** Moves time forward by `ms` for every run under test, firing what falls due in order; refuses a finished run. */
  async advance(ms: number): Promise<void> {
    await this.#runs.settle();
    const status = this.#runs.statusOf(this.runId);
    if (status !== undefined && FINISHED.has(status)) {
      throw new Error(`cannot advance run ${this.runId}: it ${status === "canceled" ? "was canceled" : status} already, so no timer of it is left to fire`);
    }
    await this.#runs.advance(ms);
  }

  /** Delivers a signal, as `POST /api/runs/:runId/signals/:name` does (its payload checked against the wait's schema). */
  async signal(name: string, payload: unknown): Promise<void> {
    await this.#runs.client.signalRun(this.runId, name, payload);
    await this.#runs.settle();
  }

  async cancel(): Promise<void> {
    await this.#runs.client.cancelRun(this.runId);
    await this.#runs.settle();
  }

  /** The signed link the run's latest approval request emailed (for `signal`, when it asked for several). */
  async approvalLink(signal?: string): Promise<string> {
    const v = await this.view();
    return approvalLink(this.#runs.env, this.runId, v.steps ?? [], signal);
  }

  /** Approves through the signed link, as the approver would: opens it, presses Approve. Throws unless the page says "Approved". */
  approve(opts: { signal?: string } = {}): Promise<LinkAnswer> {
    return this.#decide("approve", "Approved", opts.signal);
  }

  /** Rejects through the signed link; throws unless the page says "Rejected". */
  reject(opts: { signal?: string } = {}): Promise<LinkAnswer> {
    return this.#decide("reject", "Rejected", opts.signal);
  }

  /** Opens `link` and presses a button, whatever the page answers (an expired or spent link included). */
  async openLink(link: string, decision: "approve" | "reject"): Promise<LinkAnswer> {
    const answer = await decideByLink(link, decision);
    await this.#runs.settle();
    return answer;
  }

  /**
   * Evicts the run object from memory, as a deploy or the runtime would, and brings it back: its handler
   * replays from the top against the journal (completed steps do not run again) and goes on.
   */
  async evict(): Promise<{ replayedSteps: number }> {
    await evictDurableObject(this.stub);
    await this.#runs.settle();
    const v = await this.#runs.client.getRun(this.runId, { steps: "none" });
    return { replayedSteps: v.stats.replayedSteps ?? 0 };
  }

  /** Every event of the run so far (step started, completed, waiting, signal received, run finished...). */
  async events(): Promise<RunEvent[]> {
    await this.#runs.settle();
    return withInternals(this.stub, (internals) => {
      const all: RunEvent[] = [];
      for (let page = internals.events(0, 1000); page.length > 0; page = internals.events(page.at(-1)!.seq, 1000)) all.push(...page);
      return all;
    });
  }

  /** The journal and events as of now, for the kit's matchers (`toHaveRunOnce`, `toHaveRunInParallel`, `toHaveWaitedForSignal`). */
  async journal(): Promise<RunJournal> {
    const events = await this.events();
    const v = await this.#runs.client.getRun(this.runId);
    return new RunJournal(v, events);
  }

  async #decide(decision: "approve" | "reject", expected: string, signal?: string): Promise<LinkAnswer> {
    const answer = await this.openLink(await this.approvalLink(signal), decision);
    if (answer.title !== expected) throw new Error(`the approval link of run ${this.runId} answered ${answer.status} "${answer.title}", not "${expected}"`);
    return answer;
  }
}

function outcomeOf(v: RunView): TestOutcome {
  if (v.status === "completed") return { status: "completed", result: v.result };
  if (v.status === "failed") {
    if (v.error === undefined) throw new Error(`run ${v.runId} failed without an error: the run view is malformed`);
    return { status: "failed", error: v.error };
  }
  return { status: "canceled" };
}

/** Why a run cannot go on by time alone. */
function stuck(v: RunView): string {
  if (v.pausedAt !== null) return `run ${v.runId} is paused: resume it before awaiting its outcome`;
  if (v.queue !== undefined) {
    const place =
      v.queue.kind === "debounce" ? "until its debounce burst is quiet (the kit does not skip a line's time)" : `with ${v.queue.position ?? "?"} ahead`;
    return `run ${v.runId} (${v.workflow}) is queued in its workflow's ${v.queue.kind} line${v.queue.key === "" ? "" : ` for "${v.queue.key}"`} ${place}: end the runs ahead of it before awaiting its outcome`;
  }
  const waits = v.waitingFor.map((w) =>
    w.kind === "signal" ? `signal "${w.signal}"${w.label === "approval" ? " (an approval: run.approve())" : ""}` : `${w.kind} "${"name" in w ? w.name : ""}"`,
  );
  return `run ${v.runId} (${v.workflow}) is ${v.status} and no timer will wake it: it waits for ${waits.join(", ") || "nothing"}. Deliver it (run.signal(name, payload)) before awaiting the outcome`;
}

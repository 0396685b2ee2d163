// Replays an exported run history (history.ts) on the workflow code of a registry, executing nothing: each
// step the handler calls is answered from the history's row at its seq, so a deploy can be checked first.
import { issueDetails, issueSummary, StepwiseError, toSerializedError, type SerializedError } from "../kernel/index.ts";
import type { JournalEntry, StepKind } from "./core/journal.ts";
import { onHandlerEnd, replayed } from "./core/step-machine.ts";
import { tokenUsage, type TokenUsage } from "./core/usage.ts";
import { HISTORY_FORMAT, journalEntry, RunHistory } from "./history.ts";
import { versionOf, type Registry } from "./registry.ts";
import { createStepContext, type StepCall } from "./step-context.ts";
import type { StepContext } from "./workflow-api.ts";

/** A step as the determinism check compares it. */
export interface StepShape {
  kind: StepKind;
  name: string;
}

/**
 * What a replay found. `ok`: the code calls the history's steps in order, each with its name and kind,
 * until it `returned`, `threw` (`error`) or `parked` (on a step the history holds open, or past its last
 * row: the code agrees with everything journaled). Else why not: the first step that differs, by `seq`
 * (null when the workflow itself is missing), with the `message` the engine would fail the run with.
 */
export type ReplayReport =
  | {
      ok: true;
      runId: string;
      workflow: string;
      version: number;
      /** History rows the code agreed with. */
      replayedSteps: number;
      ended: "returned" | "threw" | "parked";
      /** With `returned`: what the handler returned (compare it with the history's `result`). */
      result?: unknown;
      /** With `threw`: what the handler threw. */
      error?: { code: string; message: string };
    }
  | {
      ok: false;
      runId: string;
      workflow: string;
      version: number;
      seq: number | null;
      /** The history's step at `seq` (null: no seq, the workflow or its version is missing). */
      expected: StepShape | null;
      /** The handler's step at `seq` (null: it returned or threw without calling one, or no seq). */
      actual: StepShape | null;
      code: "step.non_determinism" | "workflow.not_found" | "workflow.version_missing" | "workflow.version_not_found";
      message: string;
    };

export interface ReplayOptions {
  /** Replay on this version of the workflow instead of the history's own (the code a restart would take). */
  version?: number;
}

/**
 * Macrotask turns without a step call after which the handler counts as parked. A handler awaits only
 * steps, which settle in microtasks here, so one quiet turn already means it waits for something the
 * history does not hold; the margin lets a few turns of other awaits (a zero timer, a dynamic import)
 * pass between two steps. A handler that awaits longer I/O between steps is taken as parked there.
 */
const IDLE_TURNS = 5;

type End =
  | { type: "returned"; result: unknown }
  | { type: "threw"; error: SerializedError }
  | { type: "parked" }
  | { type: "mismatch"; seq: number; call: StepShape; row: JournalEntry; message: string };

/**
 * Runs the current code of a history's workflow against the history without executing a step: actions,
 * mutations and child runs are answered with their journaled results, and the first call whose name or
 * kind differs from the history's row at its seq is reported, in the engine's words. Pure apart from
 * the workflow's own code: it works in Node as in workerd.
 * @example
 * const report = await replayHistory(stepwise.registry, RunHistory.parse(saved));
 * if (!report.ok) throw new Error(formatReplayReport(report));
 */
export async function replayHistory(registry: Registry, history: RunHistory, opts: ReplayOptions = {}): Promise<ReplayReport> {
  const parsed = RunHistory.safeParse(history);
  if (!parsed.success) {
    throw new StepwiseError("history.invalid", `not a run history (${HISTORY_FORMAT}): ${issueSummary(parsed.error)}`, { details: issueDetails(parsed.error) });
  }
  const h = parsed.data;
  const version = opts.version ?? h.version;
  const base = { runId: h.runId, workflow: h.workflow, version };
  const workflow = registry.get(h.workflow, version);
  if (workflow === undefined) return missing(registry, base, opts.version !== undefined);

  const replay = new HistoryReplay(h);
  const end = await replay.run(createStepContext(h.runId, registry, replay.execute, replay), (step) => workflow.handler(step, h.args));
  if (end.type === "mismatch") {
    return { ok: false, ...base, seq: end.seq, expected: shape(end.row), actual: end.call, code: "step.non_determinism", message: end.message };
  }
  const unreached = end.type === "parked" ? null : replay.unreached();
  if (unreached !== null) return { ok: false, ...base, ...unreached, actual: null, code: "step.non_determinism" };
  const report: ReplayReport = { ok: true, ...base, replayedSteps: replay.matched, ended: end.type };
  if (end.type === "returned" && end.result !== undefined) report.result = end.result;
  if (end.type === "threw") report.error = { code: end.error.code, message: end.error.message };
  return report;
}

/** The executor of one replay: seqs in call order, each call answered from the history's row at its seq. */
class HistoryReplay {
  /** History rows no call has reached yet. */
  readonly #unreached: Map<number, JournalEntry>;
  readonly #patches: Map<string, boolean>;
  readonly #history: RunHistory;
  /** The journaled step.usage() answers, by `${seq}:${n}`; where the last read was made, and how many there. */
  readonly #usageReads: Map<string, TokenUsage>;
  #lastRead = { seq: -1, n: 0 };
  #nextSeq = 0;
  /** Step and patch calls so far: what the idle watch sees move. */
  #calls = 0;
  #end: End | null = null;
  #resolve: (end: End) => void = () => {};
  /** History rows the code agreed with. */
  matched = 0;

  constructor(history: RunHistory) {
    this.#unreached = new Map(history.steps.map((s) => [s.seq, journalEntry(s)]));
    this.#patches = new Map(history.patches.map((p) => [p.changeId, p.value]));
    this.#history = history;
    this.#usageReads = new Map((history.usageReads ?? []).map((r) => [`${r.seq}:${r.n}`, r.usage]));
  }

  /** Runs the handler until it returns, throws, calls a step the history disagrees with, or parks. */
  run(step: StepContext, handler: (step: StepContext) => Promise<unknown>): Promise<End> {
    const ended = new Promise<End>((resolve) => {
      this.#resolve = resolve;
    });
    Promise.resolve()
      .then(() => handler(step))
      .then(
        (result: unknown) => this.#finish({ type: "returned", result }),
        (err: unknown) => this.#finish({ type: "threw", error: toSerializedError(err, "run.handler_failed") }),
      );
    void this.#watchIdle();
    return ended;
  }

  readonly execute = (call: StepCall): Promise<unknown> => {
    const seq = this.#nextSeq++;
    this.#calls++;
    const row = this.#unreached.get(seq);
    // Past the history's end the engine would execute the step: the replay has nothing to check it against.
    if (this.#end !== null || row === undefined) return parked();
    this.#unreached.delete(seq);
    const transition = replayed(seq, call, row);
    if (transition === null) {
      // Open in the history (the run was live): the engine would resume it; what it settles with is unknown.
      this.matched++;
      return parked();
    }
    const next = transition.next;
    if (next.type === "nonDeterminism") {
      this.#finish({ type: "mismatch", seq, call: shape(call), row, message: next.error.message });
      return parked();
    }
    this.matched++;
    if (next.type === "return") return Promise.resolve(next.value);
    if (next.type === "throw") return Promise.reject(StepwiseError.fromJSON(next.error));
    // An abandoned step (it lost a race): it never settles for the handler again.
    return parked();
  };

  /** As the run object answers it (HandlerExecution's #patched): journaled, else false while journaled steps lie ahead. */
  readonly patched = (changeId: string): boolean => {
    if (typeof changeId !== "string" || changeId.length === 0 || changeId.length > 200) {
      throw new StepwiseError("step.invalid_args", "step.patched takes a change id of 1-200 characters");
    }
    this.#calls++;
    const known = this.#patches.get(changeId);
    if (known !== undefined) return known;
    const value = this.#unreached.size === 0;
    this.#patches.set(changeId, value);
    return value;
  };

  /** As the run object answers it (HandlerExecution's #usage): journaled, else the usage of the history's steps before this point. */
  readonly usage = (): TokenUsage => {
    this.#calls++;
    const seq = this.#nextSeq;
    if (this.#lastRead.seq !== seq) this.#lastRead = { seq, n: 0 };
    const n = this.#lastRead.n++;
    const known = this.#usageReads.get(`${seq}:${n}`);
    if (known !== undefined) return known;
    const value = tokenUsage(this.#history.steps.flatMap((s) => (s.seq < seq ? (s.usage?.byModel ?? []) : [])));
    this.#usageReads.set(`${seq}:${n}`, value);
    return value;
  };

  /** The first history row the handler never reached, as the engine fails such a run (onHandlerEnd); null when none. */
  unreached(): { seq: number; expected: StepShape; message: string } | null {
    const error = onHandlerEnd(this.#unreached.values());
    const first = [...this.#unreached.values()].sort((a, b) => a.seq - b.seq)[0];
    return error === null || first === undefined ? null : { seq: first.seq, expected: shape(first), message: error.message };
  }

  #finish(end: End): void {
    if (this.#end !== null) return;
    this.#end = end;
    this.#resolve(end);
  }

  /** Ends the replay as parked once no step was called for IDLE_TURNS macrotask turns in a row. */
  async #watchIdle(): Promise<void> {
    let seen = this.#calls;
    let quiet = 0;
    while (this.#end === null) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (this.#calls !== seen) {
        seen = this.#calls;
        quiet = 0;
      } else if (++quiet >= IDLE_TURNS) {
        this.#finish({ type: "parked" });
      }
    }
  }
}

/** What a step the history cannot settle gets: a promise that never settles, as a parked run's step. */
function parked(): Promise<never> {
  return new Promise<never>(() => {});
}

/**
 * A report in one line: what passed, or what differs and where.
 * @example
 * console.log(formatReplayReport(await replayHistory(registry, history)));
 * // run_0123 (support v2): replays: 7 journaled steps agree; the handler returned
 */
export function formatReplayReport(report: ReplayReport): string {
  const run = `${report.runId} (${report.workflow} v${report.version})`;
  if (!report.ok) return `${run}: ${report.message} (${report.code})`;
  const how =
    report.ended === "returned"
      ? "the handler returned"
      : report.ended === "threw"
        ? `the handler threw ${report.error?.code ?? "an error"}: ${report.error?.message ?? ""}`
        : "the handler waits where the history ends";
  return `${run}: replays: ${report.replayedSteps} journaled step${report.replayedSteps === 1 ? "" : "s"} agree; ${how}`;
}

/** The workflow (or its version) is not in the registry: what the engine would fail the run with. */
function missing(registry: Registry, base: { runId: string; workflow: string; version: number }, asked: boolean): ReplayReport {
  const deployed = registry.versions(base.workflow).map(versionOf);
  const failure = { ok: false as const, ...base, seq: null, expected: null, actual: null };
  if (deployed.length === 0) return { ...failure, code: "workflow.not_found", message: `workflow "${base.workflow}" is not defined in this code` };
  if (asked) {
    return {
      ...failure,
      code: "workflow.version_not_found",
      message: `the workflow "${base.workflow}" has no version ${base.version} (deployed: ${deployed.join(", ")})`,
    };
  }
  return {
    ...failure,
    code: "workflow.version_missing",
    message: `version ${base.version} of workflow "${base.workflow}" is no longer deployed (deployed: ${deployed.join(", ")}); restart the run on one of those`,
  };
}

function shape(s: { kind: StepKind; name: string }): StepShape {
  return { kind: s.kind, name: s.name };
}

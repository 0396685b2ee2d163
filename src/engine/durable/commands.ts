// The run object's commands from outside: start, describe, signal, step info for approval pages, and
// cancel. Every input is parsed here, and errors travel as data (RpcResult), because RPC keeps only an
// error's message.
import {
  decodePayload,
  encodePayload,
  fail,
  issueDetails,
  issueDetailsWithKeys,
  issueSummary,
  jsonColumn,
  jsonSchemaIssues,
  ok,
  RunCanceledError,
  tryEncode,
  type RpcResult,
} from "../../kernel/index.ts";
import { SignalDetail } from "../core/journal.ts";
import { deliverSignal, OMITTED_PAYLOAD } from "../core/step-machine.ts";
import type { Alarms } from "./alarms.ts";
import type { Finishing } from "./finishing.ts";
import { indexShardFor } from "./index-shards.ts";
import type { FlowLines } from "./flow-lines.ts";
import type { RunHistory } from "../history.ts";
import { ChildCancel, type DescribeOptions, MAX_WAIT_MS, SIGNAL_NAME_PATTERN, StartInput, type StartResult } from "./run-rpc.ts";
import { runHistory } from "./run-history.ts";
import { daysToMs, type RunState } from "./run-state.ts";
import type { NewRun, RunRecord } from "./run-store.ts";
import { runTimeline, stepDetail, type RunTimeline, type StepDetail, type TimelineQuery } from "./run-timeline.ts";
import { buildRunView, type RunView } from "./run-view.ts";

export interface SignalOptions {
  onceKey?: string;
  idempotencyKey?: string;
  forWaitAfter?: number;
}

/** A signal wait's signal and marks (SignalDetail), as step info shows them. */
export interface WaitInfo {
  signal: string;
  label?: string;
  forStep?: number;
}

export interface StepInfo {
  workflow: string;
  runStatus: RunRecord["status"];
  /** `wait`: for a signal wait, what it waits for and its marks. */
  step: { name: string; kind: string; status: string; result: unknown; wait?: WaitInfo } | null;
  wait: { seq: number; status: string } | null;
  signaled: { at: number; payload: unknown } | null;
}

export class Commands {
  readonly #state: RunState;
  readonly #alarms: Alarms;
  readonly #finishing: Finishing;
  /** Brings the handler to life if the run is unfinished and nothing runs it in this instance. */
  readonly #live: () => void;
  readonly #lines: FlowLines;

  constructor(state: RunState, alarms: Alarms, finishing: Finishing, lines: FlowLines, live: () => void) {
    this.#state = state;
    this.#alarms = alarms;
    this.#finishing = finishing;
    this.#lines = lines;
    this.#live = live;
  }

  async start(raw: StartInput): Promise<RpcResult<StartResult>> {
    const state = this.#state;
    const input = StartInput.safeParse(raw);
    if (!input.success) return fail("request.invalid", "invalid start request", issueDetailsWithKeys(input.error));
    if (state.run !== undefined) return this.#existing(input.data);
    const workflow = state.registry.get(input.data.workflow, input.data.version);
    if (workflow === undefined && input.data.version !== undefined && state.registry.get(input.data.workflow) !== undefined) {
      return fail("workflow.version_not_found", `the workflow "${input.data.workflow}" has no version ${input.data.version}`);
    }
    if (workflow === undefined) return fail("workflow.not_found", `no workflow named "${input.data.workflow}"`);
    const parsed = workflow.args.safeParse(input.data.args);
    if (!parsed.success) {
      return fail("run.invalid_args", `invalid args for workflow "${workflow.name}"`, issueDetails(parsed.error));
    }
    const args = tryEncode(parsed.data, "the run's args");
    if (!args.ok) return args;
    const onComplete = input.data.onComplete;
    if (onComplete !== undefined && state.registry.callable(onComplete.name) === undefined) {
      return fail("action.not_registered", `the onComplete "${onComplete.name}" is not registered (createStepwise's modules)`);
    }
    const ref = onComplete === undefined ? undefined : tryEncode(onComplete, "the onComplete's context");
    if (ref !== undefined && !ref.ok) return ref;
    const runId = input.data.runId;
    // Flow control: a rate limit may refuse the start, a debounce may fold it into a burst's run, and a
    // line makes it wait. These ask other objects, so a second start of this id may have come meanwhile.
    const admission = await this.#lines.admit(workflow, parsed.data, runId, args.value!);
    if (!admission.ok) return admission;
    if (state.run !== undefined) return this.#existing(input.data);
    if (admission.value.joined !== undefined) return ok({ runId: admission.value.joined, status: "queued", created: false });
    const line = admission.value.line;
    this.#insertRun({
      runId,
      workflow: workflow.name,
      version: workflow.version ?? 1,
      args: args.value,
      parent: input.data.parent ? JSON.stringify(input.data.parent) : null,
      onCompleteRef: ref?.value ?? null,
      retentionMs: input.data.retentionDays === undefined ? null : daysToMs(input.data.retentionDays),
      ...(line === null ? {} : { flow: JSON.stringify(line) }),
    });
    if (line !== null) await this.#lines.enqueue();
    this.#live();
    return ok({ runId, status: this.#lines.waiting() ? "queued" : "running", created: true });
  }

  /** A start of a run that exists: the same run, unless an Idempotency-Key's args differ. */
  #existing(input: StartInput): RpcResult<StartResult> {
    const state = this.#state;
    const run = state.run!;
    if (input.sameArgsOnly === true && !this.#sameStart(run, input.workflow, input.args)) {
      return fail("run.idempotency_conflict", "this Idempotency-Key was already used to start a run with other args");
    }
    this.#live();
    const result: StartResult = { runId: run.runId, status: state.status(), created: false };
    const outcome = state.outcome();
    if (outcome !== undefined) result.outcome = outcome;
    return ok(result);
  }

  /** The run as clients see it; see DescribeOptions for `waitMs`. */
  async describe(opts: DescribeOptions = {}): Promise<RpcResult<RunView>> {
    const state = this.#state;
    if (state.run === undefined) return fail("run.not_found", "no such run");
    this.#live();
    if (opts.waitMs !== undefined) await state.untilEnded(Math.min(opts.waitMs, MAX_WAIT_MS));
    const run = state.run;
    // A run's retention may end at its end (retentionDays 0): its object is then emptied before a waiter reads it.
    if (run === undefined) return fail("run.not_found", "no such run");
    const extra: Parameters<typeof buildRunView>[2] = {
      stepCount: state.store.stepCount(),
      usage: state.store.usage.total(),
      stats: { replayedSteps: state.execution?.replayedSteps ?? null, replayMs: state.replayMs },
    };
    if (opts.steps !== "none") extra.steps = state.store.allSteps();
    const view = buildRunView(run, run.status === "running" ? state.store.openSteps() : [], extra);
    if (this.#lines.waiting()) {
      const place = await this.#lines.place();
      if (place !== undefined) view.queue = place;
    }
    return ok(view);
  }

  /**
   * A window of the run's steps on a time axis (see run-timeline.ts). A read only: unlike `describe` it
   * does not bring a parked run's handler back (a replay of a long journal would be the read's cost).
   */
  timeline(query: TimelineQuery = {}): RpcResult<RunTimeline> {
    return runTimeline(this.#state, query);
  }

  /** The run's history for export and replay against other code (history.ts). A read only, like `timeline`. */
  history(): RpcResult<RunHistory> {
    return runHistory(this.#state);
  }

  /** One step in full: its attempts, args, result and error. A read only, like `timeline`. */
  step(seq: number): RpcResult<StepDetail> {
    return stepDetail(this.#state, seq);
  }

  /**
   * Accepts a signal for the run and, in the same transaction, delivers it into the wait it is for.
   * - `idempotencyKey`: a repeat with the same name and payload returns the first one's id with
   *   `duplicate: true`; the key with another name or payload is `signal.idempotency_conflict`.
   * - `onceKey`: the first signal under the key is the only one, whatever later ones carry (an
   *   approval's decision): later ones return the first one's id with `duplicate: true`.
   * - `forWaitAfter`: the signal is for the first wait on `name` journaled after that seq, and no
   *   other: refused (`signal.not_waiting`) once that wait ended, buffered for it until it is journaled.
   * Without it, the signal goes to the oldest wait on `name` that waits, or is buffered for the next.
   *
   * A wait with a schema takes only a payload that matches it: to a wait that waits, a payload that fails
   * is refused here (`signal.invalid_payload`, details naming each failing path, nothing stored), and so
   * is an omitted one. It is checked against the JSON Schema journaled with the wait, so this holds with
   * or without the handler in memory; with the handler parked on the wait, against its zod schema too.
   * A buffered signal is checked when a wait would take it (see `takeBuffered` in the step machine).
   */
  signal(name: string, payload: unknown, opts: SignalOptions = {}): RpcResult<{ signalId: number; duplicate: boolean; at: number }> {
    const state = this.#state;
    const { store } = state;
    if (state.run === undefined) return fail("run.not_found", "no such run");
    if (!SIGNAL_NAME_PATTERN.test(name)) return fail("signal.invalid_name", "a signal name is 1-100 characters of letters, digits, '_', '.', ':', '-'");
    // null is what a wait that timed out returns: a payload may never be it.
    if (payload === null) return fail("signal.invalid_payload", "a signal's payload may not be null (a timed-out wait returns null)");
    // An omitted payload is stored as NULL; a wait without a schema receives it as `true` (see deliveredPayload).
    const encoding = tryEncode(payload, "the signal's payload");
    if (!encoding.ok) return encoding;
    const encoded = encoding.value;
    const { onceKey, idempotencyKey, forWaitAfter } = opts;
    const key = onceKey ?? (idempotencyKey === undefined ? undefined : `idem:${idempotencyKey}`);
    if (key !== undefined) {
      // Keys stored before they were bound to their signal were prefixed "header:".
      const earlier = store.signalForKey(key) ?? (idempotencyKey === undefined ? undefined : store.signalForKey(`header:${idempotencyKey}`));
      if (earlier !== undefined) {
        // An omitted payload (NULL) repeats an explicit `true`, as both reach a wait without a schema alike.
        if (onceKey === undefined && (earlier.name !== name || (earlier.payload ?? "true") !== (encoded ?? "true"))) {
          return fail("signal.idempotency_conflict", "this Idempotency-Key was already used for a signal with another name or payload");
        }
        return ok({ signalId: earlier.signalId, at: earlier.at, duplicate: true });
      }
    }
    if (state.run.status !== "running") return fail("signal.run_finished", `the run has already ended (${state.run.status})`);
    const target = forWaitAfter === undefined ? undefined : this.#waitAfter(forWaitAfter, name);
    if (target !== undefined && target.status !== "waiting") return fail("signal.not_waiting", `the wait for "${name}" after step ${forWaitAfter} has ended`);
    // Nothing yields between here and the transaction, so the wait found here is the one it delivers to.
    const seq = forWaitAfter === undefined ? store.oldestWaitOn(name) : target?.seq;
    if (seq !== undefined) {
      // Checked as the wait would receive it: as JSON (a Date sent over RPC arrives as its string).
      const refused = this.#refusal(name, seq, decodePayload(encoded));
      if (refused !== undefined) return refused;
    }
    const now = state.clock.now();
    const { signalId, delivered } = store.transaction(() => {
      const id = store.insertSignal(name, encoded, now, forWaitAfter ?? null);
      if (key !== undefined) store.rememberSignalKey(key, id, now);
      if (seq === undefined) return { signalId: id, delivered: undefined };
      for (const w of deliverSignal({ id, payload: encoded }, seq, now)) store.write(w);
      return { signalId: id, delivered: store.getStep(seq)! };
    });
    this.#live();
    if (delivered !== undefined) {
      state.execution?.settle(delivered);
      this.#alarms.rearm();
    }
    return ok({ signalId, duplicate: false, at: now });
  }

  /**
   * One journaled step with the run's workflow and status, the first wait on `waitFor` journaled after
   * it, and the once-only signal under `onceKey`: what an approval page shows.
   */
  stepInfo(seq: number, opts: { onceKey?: string; waitFor?: string } = {}): RpcResult<StepInfo> {
    const { run, store } = this.#state;
    if (run === undefined) return fail("run.not_found", "no such run");
    const step = store.getStep(seq);
    const wait = opts.waitFor === undefined ? undefined : this.#waitAfter(seq, opts.waitFor);
    const earlier = opts.onceKey === undefined ? undefined : store.signalForKey(opts.onceKey);
    return ok({
      workflow: run.workflow,
      runStatus: run.status,
      step: step === undefined ? null : { name: step.name, kind: step.kind, status: step.status, result: decodePayload(step.result), ...waitInfo(step) },
      wait: wait === undefined ? null : { seq: wait.seq, status: wait.status },
      signaled: earlier === undefined ? null : { at: earlier.at, payload: decodePayload(earlier.payload) },
    });
  }

  /**
   * Cancels the run. `asChildOf` comes from a parent that ended: a child it never got to start is
   * recorded canceled, so that a start still on its way cannot run it.
   */
  async cancel(opts: { asChildOf?: ChildCancel } = {}): Promise<RpcResult<{ status: "canceled" }>> {
    const state = this.#state;
    if (state.run === undefined && opts.asChildOf !== undefined) this.#recordCanceledChild(opts.asChildOf);
    if (state.run === undefined) return fail("run.not_found", "no such run");
    if (state.run.status !== "running") return fail("run.already_finished", `the run has already ended (${state.run.status})`);
    await this.#finishing.end({ status: "canceled", result: null, error: null }, new RunCanceledError());
    return ok({ status: "canceled" });
  }

  /** Why the waiting step at `seq` refuses `payload` (undefined: omitted), as the failure to answer with; undefined if it takes it. */
  #refusal(name: string, seq: number, payload: unknown): RpcResult<never> | undefined {
    const { store, execution } = this.#state;
    const contract = execution?.signalContract(seq);
    const schema = contract === undefined ? jsonColumn(SignalDetail, store.getStep(seq)?.detail ?? null, "steps.detail").schema : contract.jsonSchema;
    if (schema === undefined) return undefined;
    if (payload === undefined) {
      return fail("signal.invalid_payload", `the wait for "${name}" has a schema, so the payload may not be omitted`, { issues: [OMITTED_PAYLOAD] });
    }
    const issues = contract === undefined ? jsonSchemaIssues(schema, payload) : contract.check(payload);
    if (issues === null || issues.length === 0) return undefined;
    return fail("signal.invalid_payload", `the payload does not match the schema of the wait for "${name}": ${issueSummary({ issues })}`, { issues });
  }

  /** The first wait on signal `name` journaled after `seq`. */
  #waitAfter(seq: number, name: string) {
    return this.#state.store.signalStepsAfter(seq).find((s) => jsonColumn(SignalDetail, s.detail, "steps.detail").signal === name);
  }

  #insertRun(r: Omit<NewRun, "indexShard">): void {
    const state = this.#state;
    state.store.migrate();
    state.run = state.store.insertRun({ ...r, indexShard: indexShardFor(state.env, r.runId), now: state.clock.now() });
    this.#finishing.created();
  }

  /** A child whose parent ended before starting it: recorded as a run that was canceled at once. */
  #recordCanceledChild(c: ChildCancel): void {
    const parsed = ChildCancel.safeParse(c);
    if (!parsed.success) return;
    const { childRunId, parentRunId, seq, workflow, args } = parsed.data;
    this.#insertRun({ runId: childRunId, workflow, args, parent: JSON.stringify({ runId: parentRunId, seq }) });
  }

  #sameStart(run: RunRecord, workflow: string, rawArgs: unknown): boolean {
    const def = this.#state.registry.get(workflow);
    // `workflow` may be its name or its module path (a reference); the run holds the name.
    if (def === undefined || run.workflow !== def.name) return false;
    const parsed = def.args.safeParse(rawArgs);
    if (!parsed.success) return false;
    try {
      return encodePayload(parsed.data, "args") === run.args;
    } catch {
      return false;
    }
  }
}

/** A signal wait's signal and marks; nothing for other steps (or a wait journaled without a detail). */
function waitInfo(step: { kind: string; detail: string | null }): { wait?: WaitInfo } {
  if (step.kind !== "signal" || step.detail === null) return {};
  const d = jsonColumn(SignalDetail, step.detail, "steps.detail");
  const wait: WaitInfo = { signal: d.signal };
  if (d.label !== undefined) wait.label = d.label;
  if (d.forStep !== undefined) wait.forStep = d.forStep;
  return { wait };
}

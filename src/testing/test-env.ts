// The test environment: the deployment's own workflows and objects (from the Worker under test), time
// that skips, mocked steps and models, and the runs a test started, kept track of so time can move them.
import { runDurableObjectAlarm } from "cloudflare:test";
import { env as workerEnv } from "cloudflare:workers";
import type { LanguageModel } from "ai";
import { offlineModel, overrideModels } from "../agents/index.ts";
import {
  createClient,
  instrument,
  isDefinition,
  Registry,
  replayHistory,
  versionOf,
  type AnyWorkflow,
  type DefinitionLike,
  type ReplayReport,
  type RunHistory,
  type StepwiseClient,
} from "../engine/index.ts";
import { Mocks, type MockBehaviour, type MockedStep, type StepCallRecord } from "./mocks.ts";
import { quiet, withInternals, type RunObjectStub } from "./quiet.ts";
import { FINISHED, TestRun, type RunsUnderTest } from "./test-run.ts";
import { VirtualTime } from "./virtual-time.ts";

export interface TestEnvOptions {
  /** The model every agent answers with: a mock (`MockLanguageModelV4` from `ai/test`) or "offline" (the default). */
  model?: LanguageModel | "offline";
}

/** Timers that are the run's own business: they never move a test's time. */
const HOUSEKEEPING = new Set(["watchdog", "retention"]);
/** How many timers a test may fire while it waits for one outcome: a run that sleeps in a loop forever stops here. */
const MAX_FIRED = 10_000;

let active: StepwiseTest | null = null;

/**
 * A test environment over the Worker under test (the vitest plugin's, with your own wrangler.toml).
 * @example
 * const t = await stepwiseTest();
 * afterEach(() => t.dispose());
 * const run = await t.start("draft-approval", { topic: "launch" });
 * await run.approve();
 * expect(await run.result()).toMatchObject({ outcome: "published" });
 */
export async function stepwiseTest(opts: TestEnvOptions = {}): Promise<StepwiseTest> {
  // SAFETY: the Worker under test is a Stepwise deployment; its Env has the bindings createStepwise's objects need.
  const env = workerEnv as unknown as Env;
  // The registry is the deployment's own: the one its run objects were built with.
  const registry = await withInternals(env.WORKFLOW_RUNS.getByName("stepwise-testing:registry"), (internals) => internals.registry);
  active?.dispose();
  const t = new StepwiseTest(env, registry);
  t.useModel(opts.model ?? "offline");
  active = t;
  return t;
}

export class StepwiseTest implements RunsUnderTest {
  readonly env: Env;
  readonly registry: Registry;
  readonly client: StepwiseClient;
  readonly #time = new VirtualTime();
  readonly #mocks: Mocks;
  /** Every run this test started or saw started (children), with the event seq it was last seen quiet at. */
  readonly #runs = new Map<string, { status: string; lastEvent: number }>();
  #disposed = false;

  constructor(env: Env, registry: Registry) {
    this.env = env;
    this.registry = registry;
    this.client = createClient(env, registry);
    this.#mocks = new Mocks(registry);
    this.#time.install();
    instrument(this.#mocks.instrumentation());
  }

  /** Starts a run of a registered workflow (by name or definition) and returns once it is quiet. */
  async start<Result = unknown>(workflow: string | DefinitionLike, args: unknown, opts: { runId?: string; version?: number } = {}): Promise<TestRun<Result>> {
    this.#live();
    const { runId } = await this.client.startRun(workflow, args, opts);
    this.#runs.set(runId, { status: "running", lastEvent: -1 });
    await this.settle();
    return new TestRun<Result>(this, runId);
  }

  /** A run this test did not start itself (a child, a restart), to follow it the same way. */
  run<Result = unknown>(runId: string): TestRun<Result> {
    this.#live();
    if (!this.#runs.has(runId)) this.#runs.set(runId, { status: "running", lastEvent: -1 });
    return new TestRun<Result>(this, runId);
  }

  /** The test's time: the platform's plus what was skipped. Runs read it through `step.now()`. */
  now(): number {
    return this.#time.now();
  }

  /** Moves time forward by `ms`, firing every timer of the runs under test that falls due, in order, each at its own time. */
  async advance(ms: number): Promise<void> {
    this.#live();
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance takes a duration in milliseconds, 0 or more; got ${ms}`);
    const target = this.#time.now() + ms;
    await this.settle();
    for (let fired = 0; fired < MAX_FIRED; fired++) {
      const next = await this.#nextTimer();
      if (next === null || next.at > target) break;
      await this.#fire(next);
    }
    this.#time.moveTo(target);
  }

  statusOf(runId: string): string | undefined {
    return this.#runs.get(runId)?.status;
  }

  /** Fires the earliest timer of the runs under test, moving time to it; false when none is armed. */
  async fireNext(): Promise<boolean> {
    this.#live();
    const next = await this.#nextTimer();
    if (next === null) return false;
    await this.#fire(next);
    return true;
  }

  /** Mocks a registered action, mutation or child workflow for the rest of the test. */
  mock(name: string, behaviour: MockBehaviour): MockedStep {
    this.#live();
    return this.#mocks.mock(name, behaviour);
  }

  /** Every call of a registered action, mutation or child workflow so far, mocked or not. */
  calls(name: string): StepCallRecord[] {
    return this.#mocks.calls(name);
  }

  /**
   * Replays a saved run history (`GET /api/runs/:runId/history`) on the deployment's current code, or on
   * `workflow` (changed code to check before it is registered), executing nothing. Resolves with the
   * report: `ok`, or the first step that would fail the determinism check, with its seq and both steps.
   */
  replay(history: unknown, opts: { version?: number; workflow?: DefinitionLike } = {}): Promise<ReplayReport> {
    this.#live();
    const workflow = opts.workflow === undefined ? undefined : asWorkflow(opts.workflow);
    const registry = workflow === undefined ? this.registry : withWorkflow(this.registry, workflow);
    const version = opts.version ?? (workflow === undefined ? undefined : versionOf(workflow));
    // SAFETY: replayHistory parses what it is given, and refuses anything but a history with history.invalid.
    return replayHistory(registry, history as RunHistory, version === undefined ? {} : { version });
  }

  /** Which model agents answer with, from now on: a mock, or "offline"; `agent` limits it to the agent of that name. */
  useModel(model: LanguageModel | "offline", opts: { agent?: string } = {}): void {
    this.#live();
    const chosen = model === "offline" ? offlineModel() : model;
    const previous = this.#models;
    this.#models = (ctx) => (opts.agent === undefined || ctx.agentName === opts.agent ? chosen : previous(ctx));
    overrideModels((ctx) => this.#models(ctx));
  }

  #models: (ctx: { agentName: string }) => LanguageModel | undefined = () => undefined;

  /** Waits until every run under test is quiet, following children as they start. */
  async settle(): Promise<void> {
    for (let pass = 0; pass < 1_000; pass++) {
      let moved = false;
      let live = 0;
      for (const [runId, seen] of [...this.#runs]) {
        if (FINISHED.has(seen.status)) continue;
        const now = await quiet(this.stub(runId));
        if (now === undefined) {
          // A child a mock answered: its object never held a run.
          this.#runs.delete(runId);
          continue;
        }
        if (now.status !== seen.status || now.lastEvent !== seen.lastEvent) moved = true;
        this.#runs.set(runId, { status: now.status, lastEvent: now.lastEvent });
        if (FINISHED.has(now.status)) continue;
        live++;
        for (const child of now.children) {
          if (this.#runs.has(child)) continue;
          this.#runs.set(child, { status: "running", lastEvent: -1 });
          moved = true;
        }
      }
      // One run alone is quiet when quiet() says so; several go round until a pass moves none of them.
      if (!moved || (live <= 1 && pass === 0 && ![...this.#runs.values()].some((r) => r.lastEvent === -1))) return;
    }
    throw new Error("the runs under test kept moving for 1,000 rounds without going quiet");
  }

  stub(runId: string): RunObjectStub {
    return this.env.WORKFLOW_RUNS.getByName(runId);
  }

  /** Puts time, mocks and models back: call it after each test (`afterEach(() => t.dispose())`). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    instrument(null);
    overrideModels(null);
    this.#time.uninstall();
    if (active === this) active = null;
  }

  async #nextTimer(): Promise<{ runId: string; at: number } | null> {
    let next: { runId: string; at: number } | null = null;
    for (const [runId, seen] of this.#runs) {
      if (FINISHED.has(seen.status)) continue;
      const timers = await withInternals(this.stub(runId), (internals) => internals.timers());
      const first = timers.find((t) => !HOUSEKEEPING.has(t.kind));
      if (first !== undefined && (next === null || first.at < next.at)) next = { runId, at: first.at };
    }
    return next;
  }

  async #fire(timer: { runId: string; at: number }): Promise<void> {
    this.#time.moveTo(timer.at);
    if (!(await runDurableObjectAlarm(this.stub(timer.runId)))) {
      throw new Error(`run ${timer.runId} has a timer due at ${new Date(timer.at).toISOString()} but no alarm armed: the run would be stranded`);
    }
    await this.settle();
  }

  #live(): void {
    if (this.#disposed) throw new Error("this test environment was disposed: make a new one with stepwiseTest()");
  }
}

function asWorkflow(def: DefinitionLike): AnyWorkflow {
  if (!isDefinition(def) || def.type !== "workflow") throw new TypeError("replay's `workflow` takes a workflow definition (defineWorkflow)");
  return def;
}

/** The deployment's definitions with `workflow` in place of every registered version of its name. */
function withWorkflow(registry: Registry, workflow: AnyWorkflow): Registry {
  const others = registry.list().flatMap((w) => (w.name === workflow.name ? [] : registry.versions(w.name)));
  return new Registry([...registry.callables(), ...others, workflow]);
}

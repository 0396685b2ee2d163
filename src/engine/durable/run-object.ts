// The run Durable Object: one per workflow run, a thin RPC and alarm dispatcher over the modules that
// RunHost composes. Built by a factory so a deployment binds it to its own registry of workflows.
import { DurableObject } from "cloudflare:workers";
import { objectClock, systemClock, type Clock } from "../../kernel/index.ts";
import type { Registry } from "../registry.ts";
import type { SignalOptions } from "./commands.ts";
import { RunHost, type RunActivity, type RunInternals } from "./run-host.ts";
import type { AdoptInput, ChildCancel, DescribeOptions, Outcome, RestartInput, StartInput } from "./run-rpc.ts";
import type { TimelineQuery } from "./run-timeline.ts";
import type { AdmitInput, FlowGates } from "../flow.ts";
export { RunIndex } from "./run-index.ts";
export type { RunInternals } from "./run-host.ts";

/**
 * The key of a run object's activity snapshot (see RunHost.activity). A symbol, so it is not part of
 * the RPC surface: only code in the object's own isolate (a test's subclass, a tool) can call it.
 */
export const runActivity: unique symbol = Symbol("stepwise.runActivity");

/** The key of a run object's in-isolate reads (see RunInternals): for the testing kit, not RPC. */
export const runInternals: unique symbol = Symbol("stepwise.runInternals");

/**
 * Completes the closing handshake. Codes such as 1005, 1006 and 1015 report how a connection ended and
 * may not be sent back (close() throws on them), so those are answered with 1000.
 */
export function closeSocket(ws: WebSocket, code: number): void {
  const sendable = code === 1000 || (code >= 1001 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
  try {
    ws.close(sendable ? code : 1000, "closing");
  } catch {
    // Closed already.
  }
}

/** What a deployment gives its run objects besides the registry: the lines of flow control (FlowGates). */
export interface RunObjectOptions {
  gates?: FlowGates;
}

export function createRunObject(registry: Registry, opts: RunObjectOptions = {}) {
  return class WorkflowRun extends DurableObject<Env> {
    readonly #host: RunHost;

    constructor(ctx: DurableObjectState, env: Env) {
      super(ctx, env);
      this.#host = new RunHost(ctx, env, registry, this[objectClock](), opts.gates);
    }

    /** The run's clock (timers, steps' times); a test's subclass may answer a manual one. */
    protected [objectClock](): Clock {
      return systemClock;
    }

    start(input: StartInput) {
      return this.#host.commands.start(input);
    }

    describe(opts: DescribeOptions = {}) {
      return this.#host.commands.describe(opts);
    }

    /** From the pool that holds the run's line: its turn came (see FlowLines.admitted). */
    admit(input: AdmitInput) {
      return this.#host.lines.admitted(input);
    }

    /** A window of the run's steps on a time axis, for a Gantt view. */
    timeline(query: TimelineQuery = {}) {
      return this.#host.commands.timeline(query);
    }

    /** The run's history (journal, patches, signals) for export; `run.not_found` for an object with no run. */
    history() {
      return this.#host.commands.history();
    }

    /** One journaled step in full. */
    step(seq: number) {
      return this.#host.commands.step(seq);
    }

    signal(name: string, payload: unknown, opts: SignalOptions = {}) {
      return this.#host.commands.signal(name, payload, opts);
    }

    /** Event streams: `/events` (SSE) and `/ws` (WebSocket); the Worker forwards requests here. */
    override fetch(request: Request) {
      return this.#host.fetch(request);
    }

    override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer) {
      // The stream is one-way; a client "ping" gets a "pong" so it can check liveness. The server may
      // have closed the socket already (the run ended): then there is nobody to answer.
      if (message !== "ping") return;
      try {
        ws.send("pong");
      } catch {
        // Closed already.
      }
    }

    override webSocketClose(ws: WebSocket, code: number) {
      this.#host.streams.socketClosed();
      closeSocket(ws, code);
    }

    override webSocketError(ws: WebSocket) {
      this.#host.streams.socketClosed();
      closeSocket(ws, 1011);
    }

    stepInfo(seq: number, opts: { onceKey?: string; waitFor?: string } = {}) {
      return this.#host.commands.stepInfo(seq, opts);
    }

    cancel(opts: { asChildOf?: ChildCancel } = {}) {
      return this.#host.commands.cancel(opts);
    }

    /** Restarts this ended run as a new run linked to it (see Repairs.restart). */
    restart(input: RestartInput = {}) {
      return this.#host.repairs.restart(input);
    }

    /** The new side of a restart: made from the kept journal of the run it restarts. */
    adopt(input: AdoptInput) {
      return this.#host.repairs.adopt(input);
    }

    pause() {
      return this.#host.repairs.pause();
    }

    resume() {
      return this.#host.repairs.resume();
    }

    childFinished(seq: number, childRunId: string, outcome: Outcome) {
      return this.#host.children.finished(seq, childRunId, outcome);
    }

    override alarm() {
      return this.#host.alarm();
    }

    [runActivity](): RunActivity | undefined {
      return this.#host.activity();
    }

    [runInternals](): RunInternals {
      return this.#host.internals();
    }
  };
}

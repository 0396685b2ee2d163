// The run Durable Object: one per workflow run, a thin RPC and alarm dispatcher over RunEngine.
// Built by a factory so a deployment binds it to its own registry of workflows.
import { DurableObject } from "cloudflare:workers";
import type { Registry } from "../registry.ts";
import { RunEngine } from "./run-engine.ts";
import type { Outcome, StartInput } from "./run-protocol.ts";
export { RunIndex } from "./run-index.ts";

export function createRunObject(registry: Registry) {
  return class WorkflowRun extends DurableObject<Env> {
    readonly #engine: RunEngine;

    constructor(ctx: DurableObjectState, env: Env) {
      super(ctx, env);
      this.#engine = new RunEngine(ctx, env, registry);
    }

    start(input: StartInput) {
      return this.#engine.start(input);
    }

    describe(opts: { steps?: "all" | "none" } = {}) {
      return this.#engine.describe(opts);
    }

    signal(name: string, payload: unknown, opts: { onceKey?: string; forWaitAfter?: number } = {}) {
      return this.#engine.signal(name, payload, opts);
    }

    /** Event streams: `/events` (SSE) and `/ws` (WebSocket); the Worker forwards requests here. */
    override fetch(request: Request) {
      return this.#engine.fetch(request);
    }

    override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer) {
      // The stream is one-way; a client "ping" gets a "pong" so it can check liveness.
      if (message === "ping") ws.send("pong");
    }

    override webSocketClose(ws: WebSocket, code: number) {
      this.#engine.socketClosed();
      ws.close(code === 1005 ? 1000 : code, "closing");
    }

    stepInfo(seq: number, opts: { onceKey?: string; waitFor?: string } = {}) {
      return this.#engine.stepInfo(seq, opts);
    }

    cancel() {
      return this.#engine.cancel();
    }

    childFinished(seq: number, childRunId: string, outcome: Outcome) {
      return this.#engine.childFinished(seq, childRunId, outcome);
    }

    /** For tests and tools: resolves once the run has nothing executing (see RunEngine.settled). */
    settled(executing = 0) {
      return this.#engine.settled(executing);
    }

    override alarm() {
      return this.#engine.alarm();
    }
  };
}

// The run Durable Object: one per workflow run, a thin RPC and alarm dispatcher over RunEngine.
// Built by a factory so a deployment binds it to its own registry of workflows.
import { DurableObject } from "cloudflare:workers";
import type { Registry } from "../registry.ts";
import { RunEngine } from "./run-engine.ts";
import type { ChildCancel, Outcome, StartInput } from "./run-protocol.ts";
export { RunIndex } from "./run-index.ts";

/**
 * Completes the closing handshake. Codes such as 1005, 1006 and 1015 report how a connection ended and
 * may not be sent back (close() throws on them), so those are answered with 1000.
 */
function closeSocket(ws: WebSocket, code: number): void {
  const sendable = code === 1000 || (code >= 1001 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
  try {
    ws.close(sendable ? code : 1000, "closing");
  } catch {
    // Closed already.
  }
}

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

    signal(name: string, payload: unknown, opts: { onceKey?: string; idempotencyKey?: string; forWaitAfter?: number } = {}) {
      return this.#engine.signal(name, payload, opts);
    }

    /** Event streams: `/events` (SSE) and `/ws` (WebSocket); the Worker forwards requests here. */
    override fetch(request: Request) {
      return this.#engine.fetch(request);
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
      this.#engine.socketClosed();
      closeSocket(ws, code);
    }

    override webSocketError(ws: WebSocket) {
      this.#engine.socketClosed();
      closeSocket(ws, 1011);
    }

    stepInfo(seq: number, opts: { onceKey?: string; waitFor?: string } = {}) {
      return this.#engine.stepInfo(seq, opts);
    }

    cancel(opts: { asChildOf?: ChildCancel } = {}) {
      return this.#engine.cancel(opts);
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

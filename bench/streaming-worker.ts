// The streaming bench Worker: the app and a thread object whose chat agent runs a clock model, which
// writes the time it emits each text delta into the delta. bench/streaming.ts drives it over WebSockets.
import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
  LanguageModelV4StreamResult,
  LanguageModelV4Usage,
} from "@ai-sdk/provider";
import { z } from "zod";
import { Agent, createThread, saveMessage, AgentThread as StepwiseThread } from "../src/agents/index.ts";
import { createStepwise } from "../src/stepwise.ts";
import { type FloorEnv, floorFetch } from "./floor.ts";
import { inFlight } from "./in-flight.ts";

/** What a prompt asks of the clock model: `bench deltas=200 interval=10 wait=1500`. */
const ClockPrompt = z.object({
  deltas: z.coerce.number().int().min(1).max(10_000),
  interval: z.coerce.number().int().min(0).max(10_000),
  wait: z.coerce.number().int().min(0).max(60_000),
});

const usage: LanguageModelV4Usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 1, text: 1, reasoning: undefined },
};

/**
 * Streams `deltas` text deltas `interval` ms apart, after `wait` ms (time for followers to attach).
 * Each delta is `<t=EPOCH_MS> `, read from the clock right before the delta is handed to the SDK.
 */
class ClockModel implements LanguageModelV4 {
  readonly specificationVersion = "v4";
  readonly provider = "stepwise.bench";
  readonly modelId = "clock";
  readonly supportedUrls: Record<string, RegExp[]> = {};

  async doGenerate(): Promise<LanguageModelV4GenerateResult> {
    return { content: [{ type: "text", text: "the clock model only streams" }], finishReason: { unified: "stop", raw: "stop" }, usage, warnings: [] };
  }

  async doStream(options: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
    const ask = ClockPrompt.parse(Object.fromEntries(Array.from(lastUserText(options).matchAll(/(\w+)=(\d+)/g), (m) => [m[1], m[2]])));
    const signal = options.abortSignal;
    let sent = -1;
    return {
      stream: new ReadableStream<LanguageModelV4StreamPart>({
        async pull(controller) {
          if (sent === -1) {
            controller.enqueue({ type: "stream-start", warnings: [] });
            controller.enqueue({ type: "text-start", id: "t" });
            await scheduler.wait(ask.wait, { signal });
            sent = 0;
          }
          if (sent === ask.deltas) {
            controller.enqueue({ type: "text-end", id: "t" });
            controller.enqueue({ type: "finish", finishReason: { unified: "stop", raw: "stop" }, usage });
            controller.close();
            return;
          }
          if (sent > 0) await scheduler.wait(ask.interval, { signal });
          sent++;
          controller.enqueue({ type: "text-delta", id: "t", delta: `<t=${Date.now()}> ` });
        },
      }),
    };
  }
}

function lastUserText(options: LanguageModelV4CallOptions): string {
  const last = options.prompt.filter((m) => m.role === "user").at(-1);
  if (last === undefined || last.role !== "user") return "";
  return last.content.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("");
}

const clockAgent = new Agent({ name: "clock", instructions: "", model: new ClockModel() });

const stepwise = createStepwise({});
export class WorkflowRun extends stepwise.WorkflowRun {}
export { RunIndex } from "../src/engine/index.ts";
export { ThreadIndex } from "../src/agents/index.ts";
export { FloorObject } from "./floor.ts";

export class AgentThread extends StepwiseThread {
  /** New with each instance: a different value after a request means the object was evicted in between. */
  readonly #instance = crypto.randomUUID();

  protected override chatAgent(): Agent {
    return clockAgent;
  }

  benchInstance(): { instance: string; sockets: number } {
    return { instance: this.#instance, sockets: this.ctx.getWebSockets().length };
  }
}

/** A load on one shared object from inside the Worker (no HTTP per call): `n` calls, `concurrency` at a time. */
const LoadBody = z.object({ tag: z.string().min(1), n: z.number().int().min(1).max(100_000), concurrency: z.number().int().min(1).max(1_000) });

/**
 * The capacity of the objects every thread shares or every chat message goes through, timed in the Worker:
 *   POST /bench/threads/index-upserts { tag, n, concurrency }   n entries of new threads pushed to the thread
 *        index, as a thread pushes its own after each saved message
 *   POST /bench/threads/appends { tag, n, concurrency }         a new thread, then n prompts saved to it,
 *        one saveMessage each (each save also pushes the thread's entry to the thread index)
 */
async function loadFetch(request: Request, env: Env, url: URL): Promise<Response | null> {
  if (request.method !== "POST") return null;
  if (url.pathname === "/bench/threads/index-upserts") {
    const { tag, n, concurrency } = LoadBody.parse(await request.json());
    const index = env.THREAD_INDEX.getByName("global");
    const t0 = performance.now();
    await inFlight(n, concurrency, (i) => {
      const at = Date.now();
      return index.upsert({ threadId: `${tag}-${i}`, userId: "bench", title: null, createdAt: at, updatedAt: at, version: 1 });
    });
    return Response.json({ ms: performance.now() - t0 });
  }
  if (url.pathname === "/bench/threads/appends") {
    const { tag, n, concurrency } = LoadBody.parse(await request.json());
    const { threadId } = await createThread(env, { userId: "bench", title: tag });
    const t0 = performance.now();
    await inFlight(n, concurrency, (i) => saveMessage(env, { threadId, prompt: `message ${i}` }));
    return Response.json({ ms: performance.now() - t0, threadId });
  }
  return null;
}

export default {
  async fetch(request: Request, env: Env & FloorEnv, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    const floor = await floorFetch(request, env, url);
    if (floor !== null) return floor;
    const load = await loadFetch(request, env, url);
    if (load !== null) return load;
    const match = /^\/bench\/threads\/([^/]+)\/instance$/.exec(url.pathname);
    if (match !== null) {
      // SAFETY: the THREADS binding is this file's AgentThread, which adds benchInstance.
      const stub = env.THREADS.getByName(match[1]!) as unknown as { benchInstance(): Promise<{ instance: string; sockets: number }> };
      return Response.json(await stub.benchInstance());
    }
    return stepwise.app.fetch(request, env, ctx);
  },
};

// A deterministic LanguageModelV4 that needs no network: local runs and tests use it when no AI
// binding is configured. Its answers say "[offline model]", and its provider is `stepwise.offline`.
import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
  LanguageModelV4StreamResult,
  LanguageModelV4Usage,
} from "@ai-sdk/provider";
import { offlineReply } from "./offline-reply.ts";

export const OFFLINE_PROVIDER = "stepwise.offline";
export const OFFLINE_MODEL_ID = "offline";

export interface OfflineModelOptions {
  /**
   * Real time before each streamed text delta (doStream only), so an answer streams slowly enough to
   * watch or interrupt. Default 0. Set by STEPWISE_OFFLINE_CHUNK_DELAY_MS (process tests, the bench).
   */
  chunkDelayMs?: number;
}

export class OfflineLanguageModel implements LanguageModelV4 {
  readonly specificationVersion = "v4";
  readonly provider = OFFLINE_PROVIDER;
  readonly modelId = OFFLINE_MODEL_ID;
  readonly supportedUrls: Record<string, RegExp[]> = {};
  readonly #chunkDelayMs: number;

  constructor(opts: OfflineModelOptions = {}) {
    this.#chunkDelayMs = opts.chunkDelayMs ?? 0;
  }

  async doGenerate(options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
    options.abortSignal?.throwIfAborted();
    const reply = offlineReply(options);
    return {
      content: reply.content,
      finishReason: { unified: reply.finish, raw: reply.finish },
      usage: usageOf(options, reply.content),
      warnings: [],
      response: { modelId: OFFLINE_MODEL_ID },
    };
  }

  async doStream(options: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
    const result = await this.doGenerate(options);
    const parts: LanguageModelV4StreamPart[] = [
      { type: "stream-start", warnings: [] },
      { type: "response-metadata", modelId: OFFLINE_MODEL_ID },
    ];
    result.content.forEach((part, i) => {
      if (part.type === "text") {
        const id = `text-${i}`;
        parts.push({ type: "text-start", id });
        // Word-sized deltas, so consumers see a real stream.
        for (const delta of part.text.match(/\S+\s*/g) ?? []) parts.push({ type: "text-delta", id, delta });
        parts.push({ type: "text-end", id });
      } else if (part.type === "tool-call") {
        parts.push({ type: "tool-input-start", id: part.toolCallId, toolName: part.toolName });
        parts.push({ type: "tool-input-delta", id: part.toolCallId, delta: part.input });
        parts.push({ type: "tool-input-end", id: part.toolCallId });
        parts.push(part);
      }
    });
    parts.push({ type: "finish", finishReason: result.finishReason, usage: result.usage });
    const delayMs = this.#chunkDelayMs;
    if (delayMs <= 0) {
      return {
        stream: new ReadableStream({
          start(controller) {
            for (const p of parts) controller.enqueue(p);
            controller.close();
          },
        }),
      };
    }
    let next = 0;
    return {
      stream: new ReadableStream({
        async pull(controller) {
          const part = parts[next++];
          if (part === undefined) return controller.close();
          if (part.type === "text-delta") await sleep(delayMs, options.abortSignal);
          controller.enqueue(part);
        },
      }),
    };
  }
}

/**
 * The offline model.
 * @example
 * const agent = new Agent({ name: "echo", instructions: "You are terse.", model: offlineModel() });
 */
export function offlineModel(opts: OfflineModelOptions = {}): OfflineLanguageModel {
  return new OfflineLanguageModel(opts);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** About four characters a token, like the tokenizers of most models. */
function usageOf(options: LanguageModelV4CallOptions, content: LanguageModelV4GenerateResult["content"]): LanguageModelV4Usage {
  const input = Math.ceil(JSON.stringify(options.prompt).length / 4);
  const output = Math.ceil(content.reduce((n, p) => n + (p.type === "text" ? p.text.length : p.type === "tool-call" ? p.input.length : 0), 0) / 4);
  return {
    inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: output, text: output, reasoning: undefined },
  };
}

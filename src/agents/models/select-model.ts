// Which model an agent uses when it names none: Workers AI through the `AI` binding, or the offline
// model. `STEPWISE_MODEL` holds the Workers AI model id; "offline" (or no binding) picks the offline one.
import type { LanguageModel } from "ai";
import { createWorkersAI } from "workers-ai-provider";
import { z } from "zod";
import { offlineModel } from "./offline-model.ts";

/** A Workers AI model that supports tool calling. */
export const DEFAULT_WORKERS_AI_MODEL = "@cf/meta/llama-3.3-70b-instruct-fp8-fast";

/** What a model resolver is told about the call it serves. */
export interface ModelContext {
  env: Env;
  agentName: string;
  threadId: string | undefined;
  runId: string | undefined;
}

/** A model, or a function choosing one per call (the `AI` binding only exists in `env`). */
export type ModelOption = LanguageModel | ((ctx: ModelContext) => LanguageModel);

/**
 * The deployment's model: `env.STEPWISE_MODEL` on Workers AI when `env.AI` is bound, else offline.
 * @example
 * const model = defaultModel(env); // offline under `npm start` and in tests
 */
export function defaultModel(env: Pick<Env, "STEPWISE_MODEL" | "AI">): LanguageModel {
  const setting = (env.STEPWISE_MODEL ?? "").trim();
  if (setting === "offline" || env.AI === undefined) return offlineModel({ chunkDelayMs: chunkDelay(env) });
  return createWorkersAI({ binding: env.AI })(setting === "" ? DEFAULT_WORKERS_AI_MODEL : setting);
}

/** STEPWISE_OFFLINE_CHUNK_DELAY_MS: an optional var (never in wrangler.toml; process tests and the bench pass it). */
const ChunkDelay = z.coerce.number().int().min(0).max(60_000).catch(0);

function chunkDelay(env: object): number {
  // SAFETY: reading an optional var that Env does not declare; ChunkDelay parses whatever is there.
  return ChunkDelay.parse((env as { STEPWISE_OFFLINE_CHUNK_DELAY_MS?: unknown }).STEPWISE_OFFLINE_CHUNK_DELAY_MS ?? 0);
}

/** A test's choice of model, over every agent's own (see `overrideModels`). */
let override: ((ctx: ModelContext) => LanguageModel | undefined) | null = null;

/**
 * A test seam: every agent in this isolate asks `choose` first, and uses its own model when it answers
 * undefined (null removes it). The testing kit (`stepwise/testing`) installs it so a test picks a mock or
 * the offline model; a deployment never does.
 */
export function overrideModels(choose: ((ctx: ModelContext) => LanguageModel | undefined) | null): void {
  override = choose;
}

export function resolveModel(option: ModelOption | undefined, ctx: ModelContext): LanguageModel {
  const chosen = override?.(ctx);
  if (chosen !== undefined) return chosen;
  if (option === undefined) return defaultModel(ctx.env);
  return typeof option === "function" ? option(ctx) : option;
}

/** The provider and model id recorded with each message. */
export function modelName(model: LanguageModel): { provider: string; model: string } {
  if (typeof model === "string") return { provider: "gateway", model };
  return { provider: model.provider, model: model.modelId };
}

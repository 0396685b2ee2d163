// The engine's runtime-free entry point, for layers above whose pure cores are tested in Node: the retry
// policy and its math, and token usage. Everything here is also exported by src/engine/index.ts.
export { backoffDelay, DEFAULT_RETRY, RetryPolicy, resolveRetry, shouldRetry, type RetryOption } from "./retry.ts";
export { ModelUsage, noUsage, TokenUsage, tokenUsage, UsageReport } from "./usage.ts";

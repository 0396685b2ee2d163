// The engine's runtime-free entry point, for layers above whose pure cores are tested in Node: the retry
// policy and its math. Everything here is also exported by src/engine/index.ts.
export { backoffDelay, DEFAULT_RETRY, RetryPolicy, resolveRetry, shouldRetry, type RetryOption } from "./retry.ts";

// A finished model step as UI message chunks, for answers made with generateText/generateObject (no
// token stream): clients following the thread see each step when it ends. Pure.

/** The part of the `ai` SDK's step content this file reads (StepResult["content"] items). */
export type StepContentLike =
  | { type: "text"; text: string }
  | { type: "reasoning"; text: string }
  | { type: "tool-call"; toolCallId: string; toolName: string; input: unknown }
  | { type: "tool-result"; toolCallId: string; toolName: string; output: unknown }
  | { type: "tool-error"; toolCallId: string; toolName: string; error: unknown }
  | { type: "tool-approval-request"; approvalId: string; toolCall: { toolCallId: string } }
  | { type: string };

/**
 * The chunks of one model step, from `start-step` to `finish-step`; `index` keeps part ids unique
 * within the answer.
 * @example stepChunks([{ type: "text", text: "Hi" }], 0) // start-step, text-start, text-delta "Hi", text-end, finish-step
 */
export function stepChunks(content: readonly StepContentLike[], index: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [{ type: "start-step" }];
  content.forEach((part, i) => {
    const id = `s${index}-${i}`;
    if (isText(part, "text") || isText(part, "reasoning")) {
      const kind = part.type;
      if (part.text === "") return;
      out.push({ type: `${kind}-start`, id }, { type: `${kind}-delta`, id, delta: part.text }, { type: `${kind}-end`, id });
    } else if (part.type === "tool-call" && "toolCallId" in part) {
      out.push({ type: "tool-input-available", toolCallId: part.toolCallId, toolName: part.toolName, input: part.input ?? null });
    } else if (part.type === "tool-result" && "output" in part) {
      out.push({ type: "tool-output-available", toolCallId: part.toolCallId, output: part.output ?? null });
    } else if (part.type === "tool-approval-request" && "approvalId" in part) {
      out.push({ type: "tool-approval-request", approvalId: part.approvalId, toolCallId: part.toolCall.toolCallId });
    } else if (part.type === "tool-error" && "error" in part) {
      out.push({ type: "tool-output-error", toolCallId: part.toolCallId, errorText: errorText(part.error) });
    }
  });
  out.push({ type: "finish-step" });
  return out;
}

/** The last chunk of an answer made of steps. */
export function finishChunk(finishReason: string): Record<string, unknown> {
  return { type: "finish", finishReason: FINISH_REASONS.has(finishReason) ? finishReason : "other" };
}

const FINISH_REASONS = new Set(["stop", "length", "content-filter", "tool-calls", "error", "interrupted", "other"]);

function isText<K extends "text" | "reasoning">(part: StepContentLike, kind: K): part is { type: K; text: string } {
  return part.type === kind && typeof (part as { text?: unknown }).text === "string";
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : typeof error === "string" ? error : (JSON.stringify(error) ?? "tool error");
}

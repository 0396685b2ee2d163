// Thread messages as zod schemas, the single source of truth for what a thread stores and returns.
// Content follows the `ai` SDK's ModelMessage shape, limited to the JSON-safe parts threads keep.
import { z } from "zod";
import { TokenUsage } from "../../engine/core/index.ts";

const TextPart = z.object({ type: z.literal("text"), text: z.string() });
const ReasoningPart = z.object({ type: z.literal("reasoning"), text: z.string() });
const ToolCallPart = z.object({ type: z.literal("tool-call"), toolCallId: z.string(), toolName: z.string(), input: z.unknown() });

export const ToolResultOutput = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), value: z.string() }),
  z.object({ type: z.literal("json"), value: z.unknown() }),
  z.object({ type: z.literal("error-text"), value: z.string() }),
  z.object({ type: z.literal("error-json"), value: z.unknown() }),
  z.object({ type: z.literal("execution-denied"), reason: z.string().optional() }),
]);
export type ToolResultOutput = z.infer<typeof ToolResultOutput>;
const ToolResultPart = z.object({ type: z.literal("tool-result"), toolCallId: z.string(), toolName: z.string(), output: ToolResultOutput });
/** The model called a tool that needs a human's approval first (the `ai` SDK's part): it has not run. */
const ToolApprovalRequestPart = z.object({
  type: z.literal("tool-approval-request"),
  approvalId: z.string(),
  toolCallId: z.string(),
  reason: z.string().optional(),
});
/** A human's decision on an approval request, saved before the tool runs (or is refused). */
const ToolApprovalResponsePart = z.object({
  type: z.literal("tool-approval-response"),
  approvalId: z.string(),
  approved: z.boolean(),
  reason: z.string().optional(),
});

const AssistantPart = z.discriminatedUnion("type", [TextPart, ReasoningPart, ToolCallPart, ToolResultPart, ToolApprovalRequestPart]);
const ToolPart = z.discriminatedUnion("type", [ToolResultPart, ToolApprovalResponsePart]);

/** One message as the model sees it: the `ai` SDK's ModelMessage, JSON-safe parts only. */
export const ThreadModelMessage = z.discriminatedUnion("role", [
  z.object({ role: z.literal("system"), content: z.string() }),
  z.object({ role: z.literal("user"), content: z.union([z.string(), z.array(TextPart)]) }),
  z.object({ role: z.literal("assistant"), content: z.union([z.string(), z.array(AssistantPart)]) }),
  z.object({ role: z.literal("tool"), content: z.array(ToolPart) }),
]);
export type ThreadModelMessage = z.infer<typeof ThreadModelMessage>;
export type MessageRole = ThreadModelMessage["role"];

/** Token usage of one model call (or, summed, of an answer). */
export const Usage = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  totalTokens: z.number().int().nonnegative(),
  reasoningTokens: z.number().int().nonnegative().optional(),
  cachedInputTokens: z.number().int().nonnegative().optional(),
});
export type Usage = z.infer<typeof Usage>;

/** `superseded`: an answer replaced by a regenerated one; kept, but out of the model's context and the chat's history. */
export const MessageStatus = z.enum(["success", "failed", "superseded"]);
export type MessageStatus = z.infer<typeof MessageStatus>;

/** An id a caller chooses for a message (a chat client's UI message id, an answer's id). */
export const MessageId = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, "1 to 100 letters, digits, '_' or '-'");

/** What a caller asks a thread to store. */
export const NewMessage = z.object({
  /** Its id when that id is free in the thread (else one is minted): a chat client's id for its prompt, an answer's id for its first message. */
  id: MessageId.optional(),
  /** The answer it belongs to: every message of one agent answer carries the answer's id (the id its stream announced). */
  answerId: MessageId.optional(),
  message: ThreadModelMessage,
  status: MessageStatus.default("success"),
  agentName: z.string().max(200).optional(),
  model: z.string().max(200).optional(),
  provider: z.string().max(200).optional(),
  usage: Usage.optional(),
  finishReason: z.string().max(50).optional(),
  /** For an agent's response: the prompt message it answers. */
  promptMessageId: z.string().max(100).optional(),
  /** The last message of a finished answer. */
  final: z.boolean().default(false),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type NewMessage = z.input<typeof NewMessage>;

/** A stored message, as threads return it. */
export const MessageRecord = z.object({
  id: z.string(),
  threadId: z.string(),
  /** Position in the thread, from 1, strictly increasing. */
  order: z.number().int().positive(),
  role: z.enum(["system", "user", "assistant", "tool"]),
  message: ThreadModelMessage,
  /** The text parts joined, for readers that only want words. */
  text: z.string(),
  status: MessageStatus,
  agentName: z.string().nullable(),
  model: z.string().nullable(),
  provider: z.string().nullable(),
  usage: Usage.nullable(),
  finishReason: z.string().nullable(),
  promptMessageId: z.string().nullable(),
  /** The answer this message is part of (its UI message id); null for prompts and messages saved outside an answer. */
  answerId: z.string().nullable(),
  final: z.boolean(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  createdAt: z.number(),
});
export type MessageRecord = z.infer<typeof MessageRecord>;

export const ThreadInfo = z.object({
  threadId: z.string(),
  userId: z.string(),
  title: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
  messageCount: z.number().int().nonnegative(),
  expiresAt: z.number().nullable().describe("When the thread is deleted (its retention after its last activity, ms since the epoch); null: kept forever"),
  usage: TokenUsage.describe(
    "The tokens of the thread's messages that record usage (agents' answers), whatever their status (failed answers spent tokens too), by model and provider",
  ),
});
export type ThreadInfo = z.infer<typeof ThreadInfo>;

/** The text parts of a message, joined. */
export function messageText(message: ThreadModelMessage): string {
  if (typeof message.content === "string") return message.content;
  return message.content.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("");
}

/**
 * Keeps the parts a thread can store from a message the `ai` SDK produced; drops the rest
 * (files, provider-specific parts), which have no JSON form the next model call could rely on.
 */
export function toThreadMessage(raw: unknown): ThreadModelMessage | null {
  const shape = z.object({ role: z.string(), content: z.unknown() }).safeParse(raw);
  if (!shape.success) return null;
  const partSchema = shape.data.role === "tool" ? ToolPart : AssistantPart;
  const content = Array.isArray(shape.data.content)
    ? shape.data.content.flatMap((p) => {
        const part = partSchema.safeParse(p);
        return part.success ? [part.data] : [];
      })
    : shape.data.content;
  const parsed = ThreadModelMessage.safeParse({ role: shape.data.role, content });
  return parsed.success ? parsed.data : null;
}

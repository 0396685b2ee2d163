// The WebSocketChatTransport protocol of `ai` v7, server side: the frames we send, and client frames
// parsed into requests. Pure; the only frame types a transport client ever gets are these five.
import { safeValidateWebSocketChatTransportRequest } from "ai";
import { z } from "zod";
import { exceedsDepth, MAX_JSON_DEPTH } from "../../../kernel/index.ts";
import { MessageId } from "../../core/message.ts";

export const STREAM_ID_PATTERN = /^ans_[0-9a-f]{32}$/;

/** A server frame, exactly as `WebSocketChatTransport.handleResponseFrame` reads it. Chunks stay JSON text. */
export const serverFrame = {
  start: (requestId: string): string => JSON.stringify({ type: "start", requestId }),
  /** `chunkJson` is a UI message chunk already serialized (once per chunk, whatever the number of readers). */
  chunk: (requestId: string, sequence: number, chunkJson: string): string =>
    `{"type":"chunk","requestId":${JSON.stringify(requestId)},"sequence":${sequence},"chunk":${chunkJson}}`,
  end: (requestId: string): string => JSON.stringify({ type: "end", requestId }),
  error: (requestId: string, errorText: string): string => JSON.stringify({ type: "error", requestId, errorText }),
  noActive: (requestId: string): string => JSON.stringify({ type: "no-active", requestId }),
};

/** A decision a client made on a tool call waiting for approval (`addToolApprovalResponse`). */
export interface ClientDecision {
  approvalId: string;
  approved: boolean;
  reason: string | undefined;
}

/** What a client may ask, once its frame passed the transport's own validator and ours. */
export type ChatRequest =
  | { kind: "send"; requestId: string; prompt: { uiMessageId: string; text: string } }
  /** `regenerate()`: answer again the prompt of `messageId` (an answer, or the prompt itself; absent: the last message). */
  | { kind: "regenerate"; requestId: string; messageId: string | undefined }
  /** Decisions on an answer's tool calls (the answer is the last message the client sent, `answerId`). */
  | { kind: "decide"; requestId: string; answerId: string; decisions: ClientDecision[] }
  /** `after`: the last sequence the client has (-1 for a full replay); `streamId`: an answer to follow (body.streamId). */
  | { kind: "resume"; requestId: string; after: number; streamId: string | undefined; answerId: string | undefined }
  | { kind: "abort"; requestId: string };

export type ParsedFrame = { ok: true; request: ChatRequest } | { ok: false; requestId: string; errorText: string };

const MAX_FRAME_CHARS = 1024 * 1024;
/**
 * A socket's subscriptions live in its attachment, which holds at most 2 KiB: 8 subscriptions of a
 * 100-character request id (about 170 bytes each with the stream id) always fit. The SDK's ids are 16.
 */
export const MAX_REQUEST_ID_CHARS = 100;
const MAX_PROMPT_CHARS = 100_000;

/**
 * `body` of a resume: an extension the built-in client can send through `reconnectToStream({ body })`:
 * the answer stream to follow, or the answer (its UI message id) whose stream to follow.
 */
const ResumeBody = z.looseObject({ streamId: z.string().regex(STREAM_ID_PATTERN).optional(), messageId: MessageId.optional() });

const TextPart = z.looseObject({ type: z.literal("text"), text: z.string() });
const PromptMessage = z.looseObject({ id: z.string().min(1).max(200), role: z.literal("user"), parts: z.array(z.looseObject({ type: z.string() })) });
const AnsweredApprovals = z.looseObject({ id: MessageId, role: z.literal("assistant"), parts: z.array(z.looseObject({ type: z.string() })) });
/** A tool part the client answered (`addToolApprovalResponse`): state approval-responded, with the decision. */
const RespondedToolPart = z.looseObject({
  type: z.string().regex(/^(tool-.+|dynamic-tool)$/),
  state: z.literal("approval-responded"),
  approval: z.looseObject({ id: z.string().min(1).max(200), approved: z.boolean(), reason: z.string().max(1000).optional() }),
});

/**
 * Parses one client frame: JSON, then `safeValidateWebSocketChatTransportRequest` (the transport's own
 * validator), then what this server needs of it. A failure names the request when the frame had one.
 * @example
 * const parsed = await parseClientFrame('{"type":"abort","requestId":"r1"}'); // { ok: true, request: { kind: "abort", requestId: "r1" } }
 */
export async function parseClientFrame(raw: string | ArrayBuffer): Promise<ParsedFrame> {
  if (typeof raw !== "string") return { ok: false, requestId: "", errorText: "chat.invalid_frame: frames are JSON text" };
  if (raw.length > MAX_FRAME_CHARS) return { ok: false, requestId: "", errorText: "chat.invalid_frame: the frame is over 1 MiB" };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, requestId: "", errorText: "chat.invalid_frame: the frame is not JSON" };
  }
  const requestId = z.looseObject({ requestId: z.string().max(MAX_REQUEST_ID_CHARS) }).safeParse(value).data?.requestId ?? "";
  const bad = (why: string): ParsedFrame => ({ ok: false, requestId, errorText: `chat.invalid_frame: ${why}` });
  // Validators recurse: a frame nested thousands of levels deep would overflow their stack.
  if (exceedsDepth(value, MAX_JSON_DEPTH)) return bad(`the frame nests deeper than ${MAX_JSON_DEPTH} levels`);
  const validated = await safeValidateWebSocketChatTransportRequest({ value });
  if (!validated.success) return bad(validated.error.message);
  const frame = validated.data;
  if (frame.requestId === "" || frame.requestId.length > MAX_REQUEST_ID_CHARS) return bad(`requestId must have 1 to ${MAX_REQUEST_ID_CHARS} characters`);
  if (frame.type === "abort") return { ok: true, request: { kind: "abort", requestId: frame.requestId } };
  if (frame.type === "resume") {
    const body = ResumeBody.safeParse(frame.body);
    if (!body.success) return bad("body.streamId is not an answer stream id, or body.messageId not a message id");
    return {
      ok: true,
      request: { kind: "resume", requestId: frame.requestId, after: frame.lastSequence ?? -1, streamId: body.data.streamId, answerId: body.data.messageId },
    };
  }
  // The thread is the history: a regenerate names what to answer again, and the thread finds its prompt.
  if (frame.trigger === "regenerate-message") {
    const messageId = MessageId.optional().safeParse(frame.messageId ?? undefined);
    if (!messageId.success) return bad("messageId is not a message id");
    return { ok: true, request: { kind: "regenerate", requestId: frame.requestId, messageId: messageId.data } };
  }
  // A submit whose last message is an answer carries decisions on its tool calls (addToolApprovalResponse).
  const answer = AnsweredApprovals.safeParse(frame.messages.at(-1));
  if (answer.success) {
    const decisions = answer.data.parts.flatMap((p) => {
      const d = RespondedToolPart.safeParse(p);
      return d.success ? [{ approvalId: d.data.approval.id, approved: d.data.approval.approved, reason: d.data.approval.reason }] : [];
    });
    if (decisions.length === 0) return bad("the last message is an answer with no tool approval responded to");
    return { ok: true, request: { kind: "decide", requestId: frame.requestId, answerId: answer.data.id, decisions } };
  }
  // A send adds its last message (the new user prompt) and asks for an answer.
  const last = PromptMessage.safeParse(frame.messages.at(-1));
  if (!last.success) return bad("the last message must be a user message, or an answer with tool approvals responded to");
  const text = last.data.parts
    .flatMap((p) => {
      const t = TextPart.safeParse(p);
      return t.success ? [t.data.text] : [];
    })
    .join("");
  if (text.trim() === "") return bad("the user message has no text");
  if (text.length > MAX_PROMPT_CHARS) return bad(`the user message is over ${MAX_PROMPT_CHARS} characters`);
  return { ok: true, request: { kind: "send", requestId: frame.requestId, prompt: { uiMessageId: last.data.id, text } } };
}

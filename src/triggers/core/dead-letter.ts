// What a bad queue message becomes on its trigger's dead-letter queue: the original body, where it came
// from, and why no run could start from it, with field paths as the API's problem+json `errors` has them.
import { z } from "zod";
import { jsonPointer, type SerializedError } from "../../kernel/index.ts";

export const DEAD_LETTER_FORMAT = "stepwise.dead-letter/1";

/** At most this many field errors are kept: a dead letter must stay well under a queue message's 128 KB. */
export const MAX_DEAD_LETTER_ERRORS = 20;
const MAX_TEXT = 500;

export const DeadLetterError = z.object({
  code: z.string().describe("Stable, dotted error code, e.g. run.invalid_args"),
  message: z.string(),
  errors: z.array(z.object({ path: z.string().describe("JSON Pointer into the message body (the workflow's args)"), message: z.string() })).optional(),
});
export type DeadLetterError = z.infer<typeof DeadLetterError>;

/**
 * A dead letter, as a consumer of the dead-letter queue reads it (`DeadLetter.parse(message.body)`).
 * Sent as JSON, or as v8 when `body` itself is not JSON (so the body arrives exactly as it was sent).
 */
export const DeadLetter = z.object({
  format: z.literal(DEAD_LETTER_FORMAT),
  queue: z.string(),
  messageId: z.string(),
  /** The delivery attempt that dead-lettered it (1 for the first). */
  attempts: z.number().int(),
  /** When the message was sent, as an ISO string. */
  sentAt: z.string(),
  workflow: z.string(),
  error: DeadLetterError,
  body: z.unknown(),
});
export type DeadLetter = z.infer<typeof DeadLetter>;

/** The parts of a queue message a dead letter keeps. */
export interface DeadMessage {
  id: string;
  timestamp: Date;
  attempts: number;
  body: unknown;
}

const Issues = z.object({ issues: z.array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() })) });

/**
 * The dead letter for `message`, refused with `error` (its `details.issues`, when it has them, become
 * `errors` with JSON Pointer paths into the body).
 * @example
 * await env.DEAD_LETTERS.send(deadLetter("signups", "welcome", message, err.toJSON()));
 */
export function deadLetter(queue: string, workflow: string, message: DeadMessage, error: SerializedError): DeadLetter {
  const issues = Issues.safeParse(error.details);
  const errors = issues.success
    ? issues.data.issues.slice(0, MAX_DEAD_LETTER_ERRORS).map((i) => ({ path: jsonPointer(i.path), message: clip(i.message) }))
    : undefined;
  return {
    format: DEAD_LETTER_FORMAT,
    queue,
    messageId: message.id,
    attempts: message.attempts,
    sentAt: message.timestamp.toISOString(),
    workflow,
    error: { code: error.code, message: clip(error.message), ...(errors === undefined ? {} : { errors }) },
    body: message.body,
  };
}

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}

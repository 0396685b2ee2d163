// What becomes of an answer when its stream ends, decided from who made it and how it ended. Pure:
// the thread object applies the decision (saves the message, sends the last frame) in one place.

export type Producer = "step" | "thread" | "call";

export type AnswerEnd =
  | { kind: "completed" }
  /** A client stopped it. */
  | { kind: "aborted" }
  | { kind: "failed"; error: { code: string; message: string } }
  /** Its producer is gone (the object lost its memory, the process died, or it went silent too long). */
  | { kind: "interrupted" }
  /** A retry of the same workflow step opened a new stream for the same prompt. */
  | { kind: "superseded" };

/** A message to save for an answer that did not complete; its text is what was generated. */
export interface PartialSave {
  status: "success" | "failed";
  final: boolean;
  finishReason: "aborted" | "incomplete" | "error";
  error: { code: string; message: string };
}

export interface EndDecision {
  /** The last frame each follower gets: `end`, or `error` with this text. */
  last: { type: "end" } | { type: "error"; errorText: string };
  save: PartialSave | null;
}

/**
 * - completed: the producer saved the answer as messages; followers get `end`.
 * - aborted: what was generated is the answer (saved, final, `finishReason: "aborted"`); `end`. With
 *   nothing generated the mark is saved as a failed message (no empty assistant turn in the context).
 * - failed: a step's failure is the engine's to retry, so nothing is saved; anyone else's partial text
 *   (when there is some) is saved as a failed message.
 * - interrupted: saved as a failed message marked `answer.incomplete`, so the thread never shows an
 *   answer streaming forever. A step's retry still answers the prompt (failed messages are not answers).
 * - superseded: the retry's stream carries the answer; the old one is dropped.
 * `answered`: the producer already saved the whole answer (a final message for the prompt), so
 * whatever ended the stream (a crash between that save and the end) saves nothing more: `end`.
 * @example decideEnd("thread", { kind: "aborted" }, true).save?.finishReason // "aborted"
 */
export function decideEnd(producer: Producer, end: AnswerEnd, hasText: boolean, answered = false): EndDecision {
  if (answered && end.kind !== "superseded") return { last: { type: "end" }, save: null };
  switch (end.kind) {
    case "completed":
      return { last: { type: "end" }, save: null };
    case "aborted":
      if (producer === "step") return { last: { type: "error", errorText: "answer.aborted: the step's call was stopped" }, save: null };
      // Nothing generated: keep the mark, but out of the model's context (an empty assistant turn).
      return {
        last: { type: "end" },
        save: {
          status: hasText ? "success" : "failed",
          final: hasText,
          finishReason: "aborted",
          error: { code: "answer.aborted", message: "a client stopped the answer; this is what was generated" },
        },
      };
    case "failed": {
      const last = { type: "error" as const, errorText: `${end.error.code}: ${end.error.message}` };
      if (producer === "step" || !hasText) return { last, save: null };
      return { last, save: { status: "failed", final: false, finishReason: "error", error: end.error } };
    }
    case "interrupted":
      return {
        last: { type: "error", errorText: "answer.incomplete: the answer was cut off (the server restarted or its producer went silent)" },
        save: {
          status: "failed",
          final: false,
          finishReason: "incomplete",
          error: { code: "answer.incomplete", message: "the answer was cut off before it was saved; this is what was generated" },
        },
      };
    case "superseded":
      return { last: { type: "error", errorText: "answer.superseded: the step was retried; resume to follow the new attempt" }, save: null };
  }
}

/** Which answers in flight the watchdog ends: the thread's own whose producer is not in memory, others silent for `idleMs`. */
export function staleStreams<S extends { streamId: string; producer: Producer; updatedAt: number }>(
  streams: readonly S[],
  running: ReadonlySet<string>,
  now: number,
  idleMs: number,
): S[] {
  return streams.filter((s) => (s.producer === "thread" ? !running.has(s.streamId) : now - s.updatedAt >= idleMs));
}

// Reading an answer back from its UI message chunks: the text of the model step still unfinished
// (what an abort or a crash would otherwise lose), and a saved answer replayed as chunks. Pure.

/** The part of a UI message chunk this file reads. */
export interface ChunkLike {
  type: string;
  delta?: unknown;
}

/**
 * The text generated since the answer's last finished model step. Finished steps are saved as
 * messages when they end, so this is what an abort or an interruption must save on its own.
 * @example unfinishedText([{ type: "start-step" }, { type: "text-delta", delta: "Hel" }, { type: "text-delta", delta: "lo" }]) // "Hello"
 */
export function unfinishedText(chunks: Iterable<ChunkLike>): string {
  let text = "";
  for (const c of chunks) {
    if (c.type === "finish-step" || c.type === "reset-step" || c.type === "finish") text = "";
    else if (c.type === "text-delta" && typeof c.delta === "string") text += c.delta;
  }
  return text;
}

/** The whole text of an answer's chunks, every step (what a client watching the stream has shown). */
export function streamedText(chunks: Iterable<ChunkLike>): string {
  let text = "";
  for (const c of chunks) if (c.type === "text-delta" && typeof c.delta === "string") text += c.delta;
  return text;
}

/**
 * A saved answer as the chunks of a one-step stream: what a client gets when it sends a prompt that
 * was already answered (a retried send), so it sees the same answer without a new model call.
 * @example replayChunks("ans_…", "Hello") // start, start-step, text-start, text-delta "Hello", text-end, finish-step, finish
 */
export function replayChunks(messageId: string, text: string): Record<string, unknown>[] {
  return [
    { type: "start", messageId },
    { type: "start-step" },
    { type: "text-start", id: "text-0" },
    ...(text === "" ? [] : [{ type: "text-delta", id: "text-0", delta: text }]),
    { type: "text-end", id: "text-0" },
    { type: "finish-step" },
    { type: "finish", finishReason: "stop" },
  ];
}

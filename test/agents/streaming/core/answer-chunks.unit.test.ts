// The chunks the thread builds itself (replays of saved answers, steps of generateText calls) are UI
// message chunks the transport accepts; the text of an unfinished step is what an abort saves.
import { asSchema, uiMessageChunkSchema } from "ai";
import { describe, expect, it } from "vitest";
import { replayChunks, streamedText, unfinishedText } from "../../../../src/agents/streaming/core/answer-text.ts";
import { finishChunk, stepChunks } from "../../../../src/agents/streaming/core/step-chunks.ts";

const schema = asSchema(uiMessageChunkSchema);

async function allValid(chunks: unknown[]): Promise<void> {
  for (const c of chunks) expect((await schema.validate!(c)).success, JSON.stringify(c)).toBe(true);
}

describe("built chunks", () => {
  it("a replay is a valid one-step stream of the saved text", async () => {
    const chunks = replayChunks("ans_1", "Hello.");
    await allValid(chunks);
    expect(streamedText(chunks as { type: string }[])).toBe("Hello.");
  });

  it("a step's text, reasoning, tool calls, results and errors become valid chunks", async () => {
    const chunks = stepChunks(
      [
        { type: "reasoning", text: "thinking" },
        { type: "text", text: "Let me check." },
        { type: "tool-call", toolCallId: "c1", toolName: "getWeather", input: { city: "Paris" } },
        { type: "tool-result", toolCallId: "c1", toolName: "getWeather", output: { tempC: 18 } },
        { type: "tool-error", toolCallId: "c2", toolName: "boom", error: new Error("exploded") },
        { type: "source" },
      ],
      2,
    );
    await allValid([...chunks, finishChunk("tool-calls"), finishChunk("weird")]);
    expect(chunks.map((c) => c.type)).toEqual([
      "start-step",
      "reasoning-start",
      "reasoning-delta",
      "reasoning-end",
      "text-start",
      "text-delta",
      "text-end",
      "tool-input-available",
      "tool-output-available",
      "tool-output-error",
      "finish-step",
    ]);
    expect(chunks[5]).toEqual({ type: "text-delta", id: "s2-1", delta: "Let me check." });
    expect(finishChunk("weird")).toEqual({ type: "finish", finishReason: "other" });
  });
});

describe("unfinishedText", () => {
  it("is the text after the last finished step", () => {
    const chunks = [
      { type: "start" },
      { type: "start-step" },
      { type: "text-delta", delta: "calling a tool" },
      { type: "finish-step" },
      { type: "start-step" },
      { type: "text-delta", delta: "The answer " },
      { type: "text-delta", delta: "is" },
    ];
    expect(unfinishedText(chunks)).toBe("The answer is");
    expect(unfinishedText([...chunks, { type: "reset-step" }])).toBe("");
    expect(streamedText(chunks)).toBe("calling a toolThe answer is");
  });
});

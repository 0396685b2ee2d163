// What the offline model answers, decided from the call alone (no clock, no randomness): a tool call
// when a tool fits the question, an object for a JSON schema, or a plain answer that cites the history.
import type { LanguageModelV4CallOptions, LanguageModelV4Content, LanguageModelV4FunctionTool, LanguageModelV4Prompt } from "@ai-sdk/provider";
import { clip, OFFLINE_TAG, sampleSchema } from "./schema-sample.ts";

export const OFFLINE_PREFIX = "[offline model]";

export interface OfflineReply {
  content: LanguageModelV4Content[];
  finish: "stop" | "tool-calls";
}

/** Words too common in tool names to say anything about the question. */
const STOP_WORDS = new Set(["get", "set", "the", "and", "for", "with", "tool", "lookup", "find", "fetch", "check", "send"]);

export function offlineReply(options: LanguageModelV4CallOptions): OfflineReply {
  const turn = readTurn(options.prompt);
  if (options.responseFormat?.type === "json") {
    const value =
      options.responseFormat.schema === undefined
        ? { answer: `${clip(turn.question, 200)} ${OFFLINE_TAG}` }
        : sampleSchema(options.responseFormat.schema, { text: turn.question });
    return { content: [{ type: "text", text: JSON.stringify(value) }], finish: "stop" };
  }
  const tools = (options.tools ?? []).filter((t): t is LanguageModelV4FunctionTool => t.type === "function");
  const choice = options.toolChoice ?? { type: "auto" };
  if (tools.length > 0 && choice.type !== "none" && turn.toolResults.length === 0) {
    const picked = choice.type === "tool" ? tools.filter((t) => t.name === choice.toolName) : toolsFor(turn.question, tools, choice.type === "required");
    if (picked.length > 0) return { content: toolCalls(picked, turn.question, options.prompt), finish: "tool-calls" };
  }
  return { content: [{ type: "text", text: answer(turn, options.prompt) }], finish: "stop" };
}

interface Turn {
  instructions: string;
  /** The last user message. */
  question: string;
  /** The last assistant text before that question: what the thread already said. */
  earlier: string | undefined;
  /** Tool results since the question. */
  toolResults: { toolName: string; output: string; error: boolean }[];
}

function readTurn(prompt: LanguageModelV4Prompt): Turn {
  const instructions = prompt.flatMap((m) => (m.role === "system" ? [m.content] : [])).join("\n");
  let lastUser = -1;
  prompt.forEach((m, i) => {
    if (m.role === "user") lastUser = i;
  });
  const textOf = (i: number) => {
    const m = prompt[i];
    if (m === undefined || m.role === "system") return "";
    return m.content.flatMap((p) => (p.type === "text" ? [p.text] : [])).join(" ");
  };
  let earlier: string | undefined;
  for (let i = lastUser - 1; i >= 0 && earlier === undefined; i--) {
    if (prompt[i]!.role === "assistant" && textOf(i).trim() !== "" && !textOf(i).startsWith(`${OFFLINE_PREFIX} Calling`)) earlier = textOf(i);
  }
  const toolResults = prompt
    .slice(lastUser + 1)
    .flatMap((m) =>
      m.role === "tool"
        ? m.content.flatMap((p) =>
            p.type === "tool-result" ? [{ toolName: p.toolName, output: outputText(p.output), error: p.output.type.startsWith("error") }] : [],
          )
        : [],
    );
  return { instructions, question: lastUser < 0 ? "" : textOf(lastUser), earlier, toolResults };
}

/** The tools whose names or descriptions share a meaningful word with the question. */
function toolsFor(question: string, tools: LanguageModelV4FunctionTool[], required: boolean): LanguageModelV4FunctionTool[] {
  const words = new Set(question.toLowerCase().match(/[a-z]+/g) ?? []);
  const matching = tools.filter((t) => {
    const nameWords = t.name
      .replace(/([a-z])([A-Z])/g, "$1 $2")
      .toLowerCase()
      .split(/[^a-z]+/);
    return nameWords.some((w) => w.length > 2 && !STOP_WORDS.has(w) && words.has(w));
  });
  return matching.length > 0 || !required ? matching : tools.slice(0, 1);
}

function toolCalls(tools: LanguageModelV4FunctionTool[], question: string, prompt: LanguageModelV4Prompt): LanguageModelV4Content[] {
  const callKey = hash(JSON.stringify(prompt));
  const calls = tools.map(
    (t, i): LanguageModelV4Content => ({
      type: "tool-call",
      toolCallId: `offline_${callKey}_${i}`,
      toolName: t.name,
      input: JSON.stringify(sampleSchema(t.inputSchema, { text: question }, t.name)),
    }),
  );
  const text = `${OFFLINE_PREFIX} Calling ${tools.map((t) => t.name).join(", ")} to answer this.`;
  return [{ type: "text", text }, ...calls];
}

function answer(turn: Turn, prompt: LanguageModelV4Prompt): string {
  const role = /\byou are (?:an? |the )?([^.\n]+)/i.exec(turn.instructions)?.[1];
  const parts = [OFFLINE_PREFIX, role ? `${capitalize(clip(role, 60))} here.` : "", `About "${clip(turn.question, 160)}":`];
  for (const r of turn.toolResults)
    parts.push(r.error ? `the ${r.toolName} tool failed (${clip(r.output, 120)}), so I answer without it.` : `${r.toolName} returned ${clip(r.output, 200)}.`);
  const earlier = turn.earlier === undefined ? undefined : gist(turn.earlier);
  if (earlier !== undefined) parts.push(`earlier in this thread: ${earlier}`);
  const advice = clothingAdvice(turn, [earlier ?? "", ...turn.toolResults.map((r) => r.output)].join(" "));
  if (advice !== undefined) parts.push(advice);
  if (turn.toolResults.length === 0 && earlier === undefined && advice === undefined) parts.push(standalone(turn.question, prompt));
  parts.push(OFFLINE_NOTE);
  return parts.filter((p) => p !== "").join(" ");
}

/** An answer from the question alone: a draft when asked to write, steps for a "how", else a short take. */
function standalone(question: string, prompt: LanguageModelV4Prompt): string {
  const topic = clip(question.replace(/^.*?\b(?:about|on)\b:?\s*/i, "").replace(/[?.!]+$/, ""), 120);
  if (/\b(write|draft|compose|announce|announcement)\b/i.test(question)) {
    return `Draft: "Introducing ${topic}. It is available today, and we would love to hear what you think."`;
  }
  if (/^\s*how\b/i.test(question)) return "1) Check the settings involved. 2) Try once more. 3) If it still fails, contact support with the exact error.";
  const takes = [
    "Start with the most likely cause, then check the details.",
    "The key point first: act on it, then review the rest.",
    "Short answer: it depends on the details; here is the safest default.",
  ];
  return pick(takes, hash(JSON.stringify(prompt)));
}

const OFFLINE_NOTE = "(Deterministic offline answer; no AI service was called.)";

/** What an earlier offline answer said, without its framing. */
function gist(text: string): string {
  const body = text
    .replace(OFFLINE_PREFIX, "")
    .replace(OFFLINE_NOTE, "")
    .replace(/^[^:]*here\.\s*/, "")
    .replace(/^About "[^"]*":\s*/, "");
  return clip(body, 200);
}

/** A weather-aware suggestion when the question is about what to wear and a temperature is known. */
function clothingAdvice(turn: Turn, context: string): string | undefined {
  if (!/\bwear\b|\boutfit\b|\bclothes\b/i.test(turn.question)) return undefined;
  const temp = /temperature\w*"?\s*[=:]\s*(-?\d+)/i.exec(context) ?? /(-?\d+)\s*°\s*C/i.exec(context);
  if (temp === null) return undefined;
  const t = Number(temp[1]);
  const layer =
    t < 10 ? "a warm coat, a scarf and closed shoes" : t < 18 ? "a light jacket or a sweater over a shirt" : "light, breathable clothes and sunglasses";
  const wet = /rain|shower|drizzle/i.test(context) ? " Take an umbrella." : "";
  return `At about ${t} °C, wear ${layer}.${wet}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function outputText(output: { type: string; value?: unknown; reason?: string }): string {
  if (output.type === "execution-denied") return `denied${output.reason ? `: ${output.reason}` : ""}`;
  const v = output.value;
  if (typeof v === "string") return v;
  // Flat objects read better as "key=value" pairs than as JSON.
  if (typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x !== "object" || x === null)) {
    return Object.entries(v)
      .map(([k, x]) => `${k}=${String(x)}`)
      .join(", ");
  }
  return JSON.stringify(v);
}

function pick(options: readonly string[], seed: string): string {
  return options[parseInt(seed.slice(0, 6), 16) % options.length]!;
}

/** A short stable hash (FNV-1a, hex): deterministic ids and choices from the prompt. */
export function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

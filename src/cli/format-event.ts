// One run event as one line of text, for `events`: its seq, time, type, and what it says in a few words.
import type { RunEvent } from "./event-stream.ts";
import { compactJson, formatTime } from "./format.ts";

/**
 * @example
 * formatEvent({ seq: 4, type: "step.completed", at: 0, data: { seq: 1, name: "greet", kind: "run", attempt: 1 } });
 * // "   4  1970-01-01T00:00:00Z  step.completed   #1 greet (run)"
 */
export function formatEvent(e: RunEvent): string {
  return `${String(e.seq).padStart(4)}  ${formatTime(e.at)}  ${e.type.padEnd(15)}  ${summary(e)}`.trimEnd();
}

function summary({ type, data }: RunEvent): string {
  const text = (key: string) => (data[key] === undefined ? "" : String(data[key]));
  if (type.startsWith("step.")) {
    const parts = [`#${text("seq")} ${text("name")} (${text("kind")})`];
    if (typeof data.attempt === "number" && data.attempt > 1) parts.push(`attempt ${data.attempt}`);
    if (typeof data.until === "number") parts.push(`until ${formatTime(data.until)}`);
    const error = errorText(data.error);
    if (error !== undefined) parts.push(error);
    return parts.join(", ");
  }
  switch (type) {
    case "run.started":
      return `${text("workflow")} v${text("version")}${data.restartOf === undefined ? "" : `, restarting ${text("restartOf")}`}`;
    case "run.finished":
      return [text("status"), errorText(data.error)].filter((p) => p !== undefined && p !== "").join(", ");
    case "run.paused":
    case "run.resumed":
      return "";
    case "run.queued":
      return `in the ${text("kind")} line${data.key === undefined || data.key === "" ? "" : ` of "${text("key")}"`}${data.position === undefined ? "" : `, ${text("position")} ahead`}`;
    case "run.admitted":
      return `after ${text("waitedMs")} ms in line`;
    case "run.restarted":
      return data.restartedAs === undefined
        ? `restart of ${text("restartOf")} from step ${text("fromStep")}`
        : `as ${text("restartedAs")} from step ${text("fromStep")}`;
    case "signal.received":
      return `"${text("signal")}"`;
    case "signal.refused":
      return `"${text("signal")}" refused by the wait at step ${text("seq")}`;
    default:
      return compactJson(data);
  }
}

function errorText(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = "code" in error ? String(error.code) : "error";
  return "message" in error ? `${String(error.message)} (${code})` : code;
}

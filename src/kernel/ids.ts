// Ids with a kind prefix (`run_…`, `thread_…`, `msg_…`): random ones, and ones derived from a key.
import { systemClock, type Clock } from "./clock.ts";

/** `${prefix}_` and 32 hex digits of a random UUID. */
export function mintId(prefix: string, clock: Clock = systemClock): string {
  return `${prefix}_${clock.uuid().replaceAll("-", "")}`;
}

/** The SHA-256 of `text` as 64 hex digits: ids derived from a key (the same key, the same id) slice it. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// Random ids with a kind prefix (`run_…`, `thread_…`, `msg_…`): one place mints them all.
import { systemClock, type Clock } from "./clock.ts";

/** `${prefix}_` and 32 hex digits of a random UUID. */
export function mintId(prefix: string, clock: Clock = systemClock): string {
  return `${prefix}_${clock.uuid().replaceAll("-", "")}`;
}

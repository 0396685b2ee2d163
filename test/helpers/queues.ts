// What the test Worker's queue trigger left behind, read from the probe: the `queue-job` runs that
// executed and the dead letters its dead-letter consumer took (test/fixtures/queue-triggers.ts).
import { DeadLetter } from "../../src/triggers/index.ts";
import { DEAD_LETTERS_KEY, JOBS_KEY } from "../fixtures/queue-triggers.ts";
import { probe } from "./runtime.ts";

/** The bounded wait for a consumer (`vi.waitFor` options): the test config delivers batches at once. */
export const DELIVERY = { timeout: 5_000, interval: 20 };

export interface JobRecord {
  runId: string;
  name: string;
  count: number;
}

/** Every `queue-job` execution so far with this name. */
export async function jobsNamed(name: string): Promise<JobRecord[]> {
  const entries = (await probe().entries(JOBS_KEY)).map((e) => JSON.parse(e) as JobRecord);
  return entries.filter((e) => e.name === name);
}

/** The dead letters the test Worker's dead-letter consumer took, for messages whose body holds `marker`. */
export async function deadLettersWith(marker: string): Promise<DeadLetter[]> {
  const letters = (await probe().entries(DEAD_LETTERS_KEY)).map((e) => DeadLetter.parse(JSON.parse(e)));
  return letters.filter((l) => JSON.stringify(l.body).includes(marker));
}

// What a schedule is: its spec as data (zod, the one source of truth for defineSchedule, the API's
// body and the object's storage), checked whole: a bad cron or time zone fails at its own field.
import { z } from "zod";
import { sha256Hex } from "../../../kernel/index.ts";
import { parseCron } from "./cron.ts";

/** A schedule's name: it appears in URLs and in the ids of the runs it starts. */
export const SCHEDULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/**
 * When the instant comes and the schedule's previous run is still live (Temporal's overlap policies):
 * `skip` starts nothing; `buffer_one` starts one run when the live one ends (further instants meanwhile
 * are skipped); `allow` always starts; `cancel_previous` cancels the live run, then starts.
 */
export const Overlap = z.enum(["skip", "buffer_one", "allow", "cancel_previous"]);
export type Overlap = z.infer<typeof Overlap>;

/**
 * After downtime (the alarm rang late): `all` fires the missed instants oldest first, at most
 * `catchUpLimit`; `latest` only the most recent; `none` only one within ON_TIME_GRACE_MS of its time.
 */
export const CatchUp = z.enum(["all", "latest", "none"]);
export type CatchUp = z.infer<typeof CatchUp>;

export const DEFAULT_CATCH_UP_LIMIT = 10;
export const MAX_CATCH_UP_LIMIT = 100;

export const ScheduleName = z.string().regex(SCHEDULE_NAME, "1-100 characters of letters, digits, '_', '.', '-', starting with a letter or digit");

/** A schedule as given (defineSchedule, POST /api/schedules): the optional fields take their defaults. */
export const ScheduleInput = z
  .object({
    name: ScheduleName,
    /** The workflow's name (or module path) as registered. */
    workflow: z.string().min(1).max(200),
    cron: z.string().min(1).max(200).describe("5 fields (minute hour day-of-month month day-of-week), or 6 with a leading seconds field"),
    timezone: z.string().min(1).max(100).default("UTC").describe("an IANA time zone the cron is read in"),
    args: z.unknown().default({}).describe("the args of every run, checked against the workflow's schema"),
    overlap: Overlap.default("skip"),
    catchUp: CatchUp.default("latest"),
    catchUpLimit: z
      .number()
      .int()
      .min(1)
      .max(MAX_CATCH_UP_LIMIT)
      .default(DEFAULT_CATCH_UP_LIMIT)
      .describe("catchUp all: at most this many missed instants fire"),
  })
  .superRefine((s, ctx) => {
    const zone = timezoneProblem(s.timezone);
    if (zone !== undefined) ctx.addIssue({ code: "custom", path: ["timezone"], message: zone });
    const cron = cronProblem(s.cron);
    if (cron !== undefined) ctx.addIssue({ code: "custom", path: ["cron"], message: cron });
  });
export type ScheduleInput = z.input<typeof ScheduleInput>;
/** A checked schedule, every field set: what its object stores. */
export type ScheduleSpec = z.output<typeof ScheduleInput>;

/** The stored spec read back (already checked once: only its shape is parsed again). */
export const StoredSpec = z.object({
  name: z.string(),
  workflow: z.string(),
  cron: z.string(),
  timezone: z.string(),
  args: z.unknown(),
  overlap: Overlap,
  catchUp: CatchUp,
  catchUpLimit: z.number().int(),
});

function timezoneProblem(timezone: string): string | undefined {
  try {
    new Intl.DateTimeFormat("en", { timeZone: timezone });
    return undefined;
  } catch {
    return `"${timezone.slice(0, 100)}" is not an IANA time zone (e.g. "UTC", "Europe/Paris")`;
  }
}

function cronProblem(cron: string): string | undefined {
  try {
    parseCron(cron, "UTC");
    return undefined;
  } catch (err) {
    // croner's messages name the field and the value ("CronPattern: Invalid value for minute: 61").
    return `not a cron expression: ${err instanceof Error ? err.message.replace(/^CronPattern: /, "") : String(err)}`;
  }
}

/**
 * A stable digest of the spec: a code-defined schedule whose digest is unchanged is left as it is by a sync.
 * @example
 * if ((await specHash(spec)) !== stored.hash) update(spec);
 */
export async function specHash(spec: ScheduleSpec): Promise<string> {
  const text = JSON.stringify([spec.name, spec.workflow, spec.cron, spec.timezone, spec.args, spec.overlap, spec.catchUp, spec.catchUpLimit]);
  return sha256Hex(text);
}

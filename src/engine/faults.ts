// Injected failures on calls between Durable Objects, for chaos tests only. Off unless the
// STEPWISE_FAULTS var is set (never settable through the API): "fail=0.2,hang=0.05,hangMs=3000".
import { env } from "cloudflare:workers";
import { systemClock } from "../kernel/index.ts";

/** Where one object calls another. `only=` in STEPWISE_FAULTS limits faults to some of them. */
export type FaultSite =
  | "run.index" // a run pushes its status to the run index
  | "run.child" // a parent starts or cancels a child run
  | "run.parent" // a child tells its parent it ended
  | "run.restart" // an ended run hands its kept journal to the run that restarts it
  | "step.pool" // a step asks a Workpool for a slot, or gives it back
  | "run.flow" // a run joins or leaves its workflow's line (flow control)
  | "flow.admit" // a line's pool admits a run whose turn came
  | "thread.stream" // an agent streams an answer into its thread (which fans it out to followers)
  | "thread.index" // a thread pushes its entry to the thread index, or removes it
  | "component.callback" // a retried action or pool job calls its onComplete
  | "component.directory"; // a retried action (un)lists itself in the retriers' directory, or a pool job reports its failure

export interface FaultPlan {
  /** Share of calls that fail at once with an error. */
  fail: number;
  /** Share of calls that hang for `hangMs`, then fail (a peer that went away mid-call). */
  hang: number;
  hangMs: number;
  /** Sites faults apply to; all when empty. */
  only: ReadonlySet<string>;
}

/** Thrown by an injected fault; `code` lets logs and tests tell it from a real failure. */
export class InjectedFault extends Error {
  readonly code = "fault.injected";
  constructor(site: FaultSite, kind: "fail" | "hang") {
    super(`injected fault (${kind}) on ${site}`);
    this.name = "InjectedFault";
  }
}

let cached: { raw: string; plan: FaultPlan | null } | undefined;

/** Parses STEPWISE_FAULTS; null (no faults) when it is unset, empty or "off". Bad entries throw. */
export function parseFaultPlan(raw: string | undefined): FaultPlan | null {
  if (raw === undefined || raw.trim() === "" || raw.trim() === "off") return null;
  const plan = { fail: 0, hang: 0, hangMs: 2_000, only: new Set<string>() };
  for (const entry of raw.split(",")) {
    const [key, value = ""] = entry.split("=").map((s) => s.trim());
    if (key === "only") {
      for (const site of value.split("|")) if (site !== "") plan.only.add(site);
      continue;
    }
    const n = Number(value);
    if ((key !== "fail" && key !== "hang" && key !== "hangMs") || value === "" || !Number.isFinite(n) || n < 0) {
      throw new Error(`STEPWISE_FAULTS: cannot read "${entry}" (expected fail=<share>, hang=<share>, hangMs=<ms>, only=<site>|<site>)`);
    }
    plan[key] = n;
  }
  if (plan.fail + plan.hang > 1) throw new Error("STEPWISE_FAULTS: fail + hang must not exceed 1");
  return plan;
}

function currentPlan(): FaultPlan | null {
  const raw: unknown = env.STEPWISE_FAULTS;
  const text = typeof raw === "string" ? raw : "";
  if (cached === undefined || cached.raw !== text) cached = { raw: text, plan: parseFaultPlan(text) };
  return cached.plan;
}

/**
 * Makes a call to another object, failing or hanging it first as STEPWISE_FAULTS asks (no-op when unset).
 * @example
 * await acrossObjects("run.index", () => indexShard(env, run.indexShard).upsert(entry));
 */
export async function acrossObjects<T>(site: FaultSite, call: () => Promise<T>): Promise<T> {
  const plan = currentPlan();
  if (plan === null || (plan.only.size > 0 && !plan.only.has(site))) return call();
  const roll = systemClock.random();
  if (roll < plan.fail) throw new InjectedFault(site, "fail");
  if (roll < plan.fail + plan.hang) {
    await new Promise((resolve) => setTimeout(resolve, plan.hangMs));
    throw new InjectedFault(site, "hang");
  }
  return call();
}

// What the fuzzer aims at: sentinels (runs and a thread it must never change, snapshotted before and
// checked after) and throwaway targets that well-formed, authorized cases may change at will.
import { env } from "cloudflare:workers";
import { saveMessage } from "../../../src/agents/index.ts";
import { parseSigningKeys, type SigningKeys } from "../../../src/approvals/core/token.ts";
import { linkOrigin, signClaims } from "./approval-tokens.ts";
import { call } from "../../helpers/http.ts";
import { runStub, settle } from "../../helpers/runtime.ts";

/** The one workflow valid cases may start: its runs wait a day for a signal, so they cost nothing. */
export const THROWAWAY_WORKFLOW = "await-approval";

export interface ApprovalLink {
  runId: string;
  token: string;
  seq: number;
  expiresAt: number;
}

export interface Fixtures {
  workflows: string[];
  keys: SigningKeys;
  sentinel: {
    /** `waiter`, waiting for "go" with no timeout. */
    waiting: string;
    /** `completes`, finished. */
    completed: string;
    /** `approval-gate`, waiting for the decision its live link carries. */
    approval: ApprovalLink;
    /** A thread holding one message. */
    thread: string;
  };
  throwaway: {
    /** `waiter` runs that wait for "go" a million times: valid signals keep landing. */
    waiters: string[];
    approvals: ApprovalLink[];
    threads: string[];
  };
}

async function json<T>(res: Response, what: string): Promise<T> {
  if (res.status >= 300) throw new Error(`fixture ${what}: ${res.status} ${await res.text()}`);
  // SAFETY: fixtures read the app's own documented answers; a different shape fails setup loudly.
  return (await res.json()) as T;
}

async function startRun(workflow: string, args: unknown): Promise<string> {
  const { runId } = await json<{ runId: string }>(await call("POST", `/api/workflows/${workflow}/runs`, { args }), `start ${workflow}`);
  await settle(runStub(runId));
  return runId;
}

async function approvalRun(keys: SigningKeys): Promise<ApprovalLink> {
  const runId = await startRun("approval-gate", { expiresIn: 24 * 3_600_000 });
  const run = await json<{ steps: { seq: number; name: string; result: unknown }[] }>(await call("GET", `/api/runs/${runId}`), "read approval run");
  const step = run.steps.find((s) => s.name === "stepwise.requestApproval");
  if (step === undefined) throw new Error("fixture: the approval run has no request step");
  // SAFETY: requestApproval's step result holds the link's expiry (see src/approvals/request.ts).
  const { expiresAt } = step.result as { expiresAt: number };
  const token = await signClaims({ r: runId, s: "approval", q: step.seq, e: expiresAt, o: linkOrigin() }, keys);
  return { runId, token, seq: step.seq, expiresAt };
}

async function thread(userId: string): Promise<string> {
  return (await json<{ threadId: string }>(await call("POST", "/api/threads", { userId }), "create thread")).threadId;
}

export async function setupFixtures(): Promise<Fixtures> {
  const keys = parseSigningKeys(env.APPROVAL_SIGNING_KEY);
  const { workflows } = await json<{ workflows: { name: string }[] }>(await call("GET", "/api/workflows"), "list workflows");
  const sentinelThread = await thread("sentinel");
  await saveMessage(env, { threadId: sentinelThread, prompt: "The sentinel's only message." });
  return {
    workflows: workflows.map((w) => w.name),
    keys,
    sentinel: {
      waiting: await startRun("waiter", {}),
      completed: await startRun("completes", {}),
      approval: await approvalRun(keys),
      thread: sentinelThread,
    },
    throwaway: {
      waiters: await Promise.all([1, 2, 3].map(() => startRun("waiter", { count: 1_000_000 }))),
      approvals: await Promise.all([1, 2, 3].map(() => approvalRun(keys))),
      threads: await Promise.all([1, 2].map(() => thread("throwaway"))),
    },
  };
}

/** Names of the sentinels, as the report and the cases' `touches` name them. */
export function sentinelNames(fx: Fixtures): Record<string, string> {
  return {
    [fx.sentinel.waiting]: "run:waiting",
    [fx.sentinel.completed]: "run:completed",
    [fx.sentinel.approval.runId]: "run:approval",
    [fx.sentinel.thread]: "thread",
  };
}

/**
 * What must not change, read through the API: each sentinel run's full view (minus `stats`, which
 * counts replays), the sentinel thread and its messages, and how many runs each workflow has (but the
 * throwaway one's).
 */
export async function snapshot(fx: Fixtures): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const runs = { "run:waiting": fx.sentinel.waiting, "run:completed": fx.sentinel.completed, "run:approval": fx.sentinel.approval.runId };
  for (const [name, runId] of Object.entries(runs)) {
    const { stats: _volatile, ...view } = await json<Record<string, unknown>>(await call("GET", `/api/runs/${runId}`), `snapshot ${name}`);
    out.set(name, JSON.stringify(view));
  }
  out.set("thread", JSON.stringify(await json(await call("GET", `/api/threads/${fx.sentinel.thread}`), "snapshot thread")));
  out.set("thread:messages", JSON.stringify(await json(await call("GET", `/api/threads/${fx.sentinel.thread}/messages?limit=100`), "snapshot messages")));
  const counts: Record<string, number> = {};
  for (let cursor: string | null = null, pages = 0; pages < 1000; pages++) {
    const page: { runs: { workflow: string }[]; nextCursor: string | null } = await json(
      await call("GET", `/api/runs?limit=100${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`),
      "snapshot run list",
    );
    for (const r of page.runs) if (r.workflow !== THROWAWAY_WORKFLOW) counts[r.workflow] = (counts[r.workflow] ?? 0) + 1;
    cursor = page.nextCursor;
    if (cursor === null) break;
  }
  out.set("run-list:counts", JSON.stringify(Object.fromEntries(Object.entries(counts).sort())));
  return out;
}

/** The entries of `after` that differ from `before`, each as `name: before → after` (shortened). */
export function changes(before: Map<string, string>, after: Map<string, string>): { name: string; diff: string }[] {
  const out: { name: string; diff: string }[] = [];
  for (const [name, was] of before) {
    const now = after.get(name);
    if (now === was) continue;
    out.push({ name, diff: firstDifference(was, now ?? "<missing>") });
  }
  return out;
}

function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - 60);
  return `…${a.slice(from, i + 100)}… → …${b.slice(from, i + 100)}…`;
}

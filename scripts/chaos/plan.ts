// What a chaos round starts: for each run, its workflow and args (drawn from the seeded random source),
// the result it must end with, and what the harness must do for it (signals, an approval, checks).
import type { Rng } from "./prng.ts";

/** What a thread must hold once its run has finished. */
export interface ThreadPlan {
  /** The user prompts, each saved once (any order). */
  prompts: string[];
  /** Final answers per prompt: one per agent that answers it. */
  answersPerPrompt: number;
  /** Texts from the result, each of which must be the text of exactly one message. */
  texts(result: any): string[];
}

/** What a finished run must have written to an app table (D1): exactly these rows, once each. */
export interface AppRowsPlan {
  table: "notifications" | "posts";
  /** The rows, in the order written: each one's text (a notification's message, a post's text) and its id when the result names it. */
  rows(result: any): { id?: unknown; text: string }[];
}

export interface RunPlan {
  /** `${workflow}#${index}`, how output lines name the run. */
  label: string;
  workflow: string;
  args: Record<string, unknown>;
  /** Idempotency-Key of the start, so a start retried across a kill names the same run. */
  key: string;
  /** When to start it, ms after the round began. */
  startAtMs: number;
  /** null when the result is right, else what is wrong. */
  expect(result: any): string | null;
  /** The workflow records each action execution in the probe under `${runId}/${seq}`. */
  probed: boolean;
  /** "go" payloads, each sent once after its delay (ms after the previous was accepted), then "done". */
  signals?: { payloads: unknown[]; delaysMs: number[] };
  /** One signal by name (await-approval's decision), sent once this long after the start was accepted. */
  signal?: { name: string; payload: unknown; delayMs: number };
  /** Decide the emailed link this long after the email shows up; `by` is who the link was sent to. */
  approval?: { approve: boolean; delayMs: number; by: string };
  /** The run starts chaos.child as its first step; the child must end with this result. */
  child?: { result: number };
  /**
   * The harness cancels the run this long after it waits on its child (chaos.canceled-parent): the run
   * must end canceled, and its child too (the parent's cancel is kept until the child confirms).
   */
  cancel?: { afterMs: number };
  thread?: ThreadPlan;
  appRows?: AppRowsPlan;
}

const OFFLINE = "[offline model]";

/** Deep equality through JSON (results come back as JSON). */
function equals(expected: unknown): (result: unknown) => string | null {
  const want = JSON.stringify(expected);
  return (result) => (JSON.stringify(result) === want ? null : `expected ${want}, got ${JSON.stringify(result)}`);
}

/** Each named field of the result must be a string from the offline model that mentions `mention` (if given). */
function offline(result: any, fields: [string, string | undefined][]): string | null {
  for (const [field, mention] of fields) {
    const text = result?.[field];
    if (typeof text !== "string" || !text.startsWith(OFFLINE)) return `result.${field} is not an offline-model answer: ${JSON.stringify(text)}`;
    if (mention !== undefined && !text.includes(mention)) return `result.${field} does not mention ${JSON.stringify(mention)}: ${JSON.stringify(text)}`;
  }
  return null;
}

type Draft = Omit<RunPlan, "label" | "key" | "startAtMs">;
type Kind = (rng: Rng, id: string) => Draft;

const FOLLOW_UP = "Follow up with the customer: did the earlier answer solve the problem?";

/** Every kind of run a round mixes; `id` makes prompts, users and addresses unique to the run. */
const KINDS: Record<string, Kind> = {
  sleep: (rng) => {
    const n = rng.int(0, 99);
    return { workflow: "chaos.sleep", args: { n, ms: rng.int(500, 4_000), work: rng.int(50, 1_500) }, expect: equals(2 * n + 3), probed: true };
  },
  signals: (rng, id) => {
    const payloads = Array.from({ length: rng.int(1, 3) }, (_, i) => ({ run: id, i, v: rng.int(0, 1_000_000) }));
    const delaysMs = payloads.map(() => rng.int(200, 5_000));
    return {
      workflow: "chaos.signals",
      args: { count: payloads.length },
      expect: equals({ got: payloads, extra: null }),
      probed: true,
      signals: { payloads, delaysMs },
    };
  },
  approval: (rng, id) => {
    const to = `${id}@example.com`;
    const approve = rng.chance(0.5);
    return {
      workflow: "chaos.approval",
      args: { to },
      expect: equals({ approved: approve, by: to }),
      probed: true,
      approval: { approve, delayMs: rng.int(0, 3_000), by: to },
    };
  },
  // The examples of the quick start (src/workflows): a durable sleep between two steps, and a wait for
  // a decision sent through the signal API (often while the server is down).
  greeting: (rng, id) => {
    const name = `Ada ${id}`;
    const sleepMs = rng.int(500, 4_000);
    return {
      workflow: "sleepy-greeting",
      args: { name, sleepMs },
      // It slept at least as long as asked (longer when a kill held up its wake-up), and greeted with its args.
      expect: (r) =>
        r?.greeting === `Hello, ${name}! I slept ${sleepMs} ms.` && typeof r.sleptMs === "number" && r.sleptMs >= sleepMs
          ? null
          : `expected the greeting of ${name} after at least ${sleepMs} ms, got ${JSON.stringify(r)}`,
      probed: false,
    };
  },
  awaitApproval: (rng, id) => {
    const request = `Request ${id}: ship it`;
    const approve = rng.chance(0.5);
    const by = `${id}@example.com`;
    return {
      workflow: "await-approval",
      args: { request, timeoutMs: 3_600_000 },
      expect: equals({ request, outcome: approve ? "approved" : "rejected", by }),
      probed: false,
      signal: { name: "approval", payload: { approved: approve, by }, delayMs: rng.int(0, 3_000) },
    };
  },
  parallel: (rng) => {
    const n = rng.int(2, 5);
    return { workflow: "chaos.parallel", args: { n, ms: rng.int(50, 1_500) }, expect: equals(Array.from({ length: n }, (_, i) => i * 10)), probed: true };
  },
  retry: (rng) => {
    const value = rng.int(0, 999);
    return { workflow: "chaos.retry", args: { value, failures: rng.int(0, 3), work: rng.int(20, 800) }, expect: equals(value), probed: true };
  },
  pooled: (rng) => {
    const n = rng.int(2, 5);
    return { workflow: "chaos.pooled", args: { n, ms: rng.int(50, 800) }, expect: equals((n * (n + 1)) / 2), probed: true };
  },
  parent: (rng) => {
    const n = rng.int(1, 99);
    return {
      workflow: "chaos.parent",
      args: { n, ms: rng.int(300, 2_500), work: rng.int(50, 1_500) },
      expect: equals(3 * n + 1),
      probed: true,
      child: { result: 3 * n },
    };
  },
  canceled: (rng) => ({
    workflow: "chaos.canceled-parent",
    args: { n: rng.int(1, 99) },
    expect: () => "a canceled run has no result",
    probed: false,
    cancel: { afterMs: rng.int(0, 2_000) },
  }),
  weather: (rng, id) => {
    const location = `${rng.pick(["Paris", "Oslo", "Lima", "Kyoto"])} ${id}`;
    return {
      workflow: "weather-advice",
      args: { location, userId: id },
      expect: (r) =>
        offline(r, [
          ["weather", location],
          ["advice", undefined],
        ]),
      probed: false,
      thread: {
        prompts: [`What is the weather in ${location}?`, "What should I wear based on the weather?"],
        answersPerPrompt: 1,
        texts: (r) => [r.weather, r.advice],
      },
    };
  },
  support: (_rng, id) => {
    const prompt = `Ticket ${id}: my order never arrived`;
    return {
      workflow: "support",
      args: { prompt, userId: id },
      expect: (r) => offline(r, [["text", prompt]]) ?? (typeof r?.notification?.notificationId === "number" ? null : `no notification in ${JSON.stringify(r)}`),
      probed: false,
      thread: { prompts: [prompt], answersPerPrompt: 1, texts: (r) => [r.text] },
      appRows: { table: "notifications", rows: (r) => [{ id: r.notification.notificationId, text: r.text }] },
    };
  },
  structured: (_rng, id) => {
    const prompt = `Request ${id}: change my plan`;
    return {
      workflow: "support-structured",
      args: { prompt, userId: id },
      expect: (r) =>
        typeof r?.analysis === "string" && r.analysis.includes(prompt) && typeof r.instruction === "string" ? null : `unexpected ${JSON.stringify(r)}`,
      probed: false,
      // The answer's message is the object as JSON, fields in the schema's order.
      thread: { prompts: [prompt], answersPerPrompt: 1, texts: (r) => [JSON.stringify({ analysis: r.analysis, instruction: r.instruction })] },
      appRows: { table: "notifications", rows: (r) => [{ text: r.instruction }] },
    };
  },
  fanout: (rng, id) => {
    const prompts = Array.from({ length: rng.int(2, 3) }, (_, i) => `Question ${id}.${i}: why is the sky blue?`);
    const summarize = `Summarize the ${prompts.length} analyses above.`;
    return {
      workflow: "parallel-agents",
      args: { prompts, userId: id },
      expect: (r) =>
        Array.isArray(r?.analyses) && r.analyses.length === prompts.length
          ? (prompts.map((p, i) => offline({ a: r.analyses[i] }, [["a", p]])).find((e) => e !== null) ?? offline(r, [["summary", undefined]]))
          : `expected ${prompts.length} analyses, got ${JSON.stringify(r)}`,
      probed: false,
      thread: { prompts: [...prompts, summarize], answersPerPrompt: 1, texts: (r) => [...r.analyses, r.summary] },
    };
  },
  routing: (rng, id) => {
    const prompt = rng.chance(0.5) ? `Please refund invoice ${id}` : `The app ${id} crashes on start`;
    return {
      workflow: "dynamic-routing",
      args: { prompt, userId: id },
      expect: (r) => (r?.department === "billing" || r?.department === "support" ? offline(r, [["text", prompt]]) : `no department in ${JSON.stringify(r)}`),
      probed: false,
      // The triage agent and the department's agent both answer the one saved prompt.
      thread: { prompts: [prompt], answersPerPrompt: 2, texts: (r) => [r.text] },
    };
  },
  followUp: (rng, id) => {
    const prompt = `Customer ${id} cannot log in`;
    return {
      workflow: "follow-up",
      args: { prompt, userId: id, delayMs: rng.int(500, 3_000) },
      expect: (r) =>
        offline(r, [
          ["answer", prompt],
          ["followUp", undefined],
        ]),
      probed: false,
      thread: { prompts: [prompt, FOLLOW_UP], answersPerPrompt: 1, texts: (r) => [r.answer, r.followUp] },
    };
  },
  draft: (rng, id) => {
    const topic = `release ${id}`;
    const approver = `editor-${id}@example.com`;
    const approve = rng.chance(0.5);
    return {
      workflow: "draft-approval",
      args: { topic, userId: id, approver },
      expect: (r) =>
        r?.outcome === (approve ? "published" : "rejected") && r.by === approver
          ? offline(r, [["draft", topic]])
          : `expected ${approve ? "published" : "rejected"} by ${approver}, got ${JSON.stringify(r)}`,
      probed: false,
      approval: { approve, delayMs: rng.int(0, 3_000), by: approver },
      thread: { prompts: [`Write an announcement about: ${topic}`], answersPerPrompt: 1, texts: (r) => [r.draft] },
      // Published once when approved (the post's id is in the result), nothing when rejected.
      appRows: { table: "posts", rows: (r) => (approve ? [{ id: r.postId, text: r.draft }] : []) },
    };
  },
};

export const KIND_NAMES = Object.keys(KINDS);

/**
 * The runs of a round: the first ones cover every kind once (in a seeded order), the rest are drawn at
 * random; start times spread over `spreadMs`, so runs start before, between and during kills.
 * @example
 * const plans = planRuns(seeded(7), { runs: 30, spreadMs: 10_000, tag: "r0" });
 */
export function planRuns(rng: Rng, opts: { runs: number; spreadMs: number; tag: string }): RunPlan[] {
  const order = [...KIND_NAMES];
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return Array.from({ length: opts.runs }, (_, i) => {
    const kind = i < order.length ? order[i]! : rng.pick(KIND_NAMES);
    const id = `${opts.tag}-${i}`;
    const draft = KINDS[kind]!(rng, id);
    return { ...draft, label: `${draft.workflow}#${i}`, key: `chaos-${id}`, startAtMs: rng.int(0, opts.spreadMs) };
  });
}

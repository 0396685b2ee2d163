// The thread check of the chaos harness: after a run of an agent workflow, its thread must hold every
// message once, and each prompt its answers once.
import { MessagePage, type Message } from "./api-shapes.ts";
import { call, type Target } from "./http.ts";
import type { ThreadPlan } from "./plan.ts";

/** Every message of a thread, paging with `cursor`. */
export async function threadMessages(target: Target, threadId: string): Promise<Message[]> {
  const all: Message[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const res = await call(target, "GET", `/api/threads/${encodeURIComponent(threadId)}/messages?limit=100${cursor === null ? "" : `&cursor=${cursor}`}`);
    if (res.status !== 200) throw new Error(`GET messages of ${threadId}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
    const page = MessagePage.parse(res.json);
    all.push(...page.messages);
    cursor = page.nextCursor;
    if (cursor === null) return all;
  }
  throw new Error(`thread ${threadId}: more than 100 pages of messages`);
}

const count = <T>(items: T[], pred: (t: T) => boolean) => items.filter(pred).length;

/** What is wrong with the thread of a finished run: [] when every message is there once. */
export async function threadProblems(target: Target, plan: ThreadPlan, result: any): Promise<string[]> {
  const problems: string[] = [];
  const threadId = result?.threadId;
  if (typeof threadId !== "string") return [`no threadId in the result ${JSON.stringify(result)}`];
  const messages = await threadMessages(target, threadId);
  const brief = (m: Message) => `${m.role}${m.agentName === null ? "" : `/${m.agentName}`} ${m.id} ${JSON.stringify(m.text.slice(0, 60))}`;

  const ids = new Set<string>();
  for (const m of messages) {
    if (ids.has(m.id)) problems.push(`message ${m.id} listed twice`);
    ids.add(m.id);
  }
  const users = messages.filter((m) => m.role === "user");
  const want = [...plan.prompts].sort();
  const got = users.map((m) => m.text).sort();
  if (JSON.stringify(want) !== JSON.stringify(got)) problems.push(`prompts saved: ${JSON.stringify(got)}, expected each of ${JSON.stringify(want)} once`);
  for (const u of users) {
    const answers = count(messages, (m) => m.role === "assistant" && m.final && m.promptMessageId === u.id);
    if (answers !== plan.answersPerPrompt) problems.push(`prompt ${JSON.stringify(u.text)} has ${answers} final answers, expected ${plan.answersPerPrompt}`);
  }
  // The same content saved twice for the same prompt by the same agent: a step's messages saved again.
  const seen = new Map<string, Message>();
  for (const m of messages) {
    const key = JSON.stringify([m.role, m.agentName, m.promptMessageId, m.message]);
    const first = seen.get(key);
    if (first !== undefined) problems.push(`repeated message: ${brief(first)} and ${brief(m)}`);
    else seen.set(key, m);
  }
  for (const text of plan.texts(result)) {
    const n = count(messages, (m) => m.text === text);
    if (n !== 1) problems.push(`the text ${JSON.stringify(text.slice(0, 80))} is in ${n} messages, expected 1`);
  }
  return problems;
}

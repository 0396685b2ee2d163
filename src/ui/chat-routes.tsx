// GET /chat (the start screen: recent threads, "Start a new thread") and GET /chat/:threadId (a thread),
// behind the session like the console; read through the app's own API in-process. Script and stylesheet
// are /assets/chat.js and /assets/chat.css (src/ui/browser/chat.ts, chat.css).
import { Hono } from "hono";
import { z } from "zod";
import { THREAD_ID_PATTERN } from "../agents/index.ts";
import { MessagePage, type ChatMessage } from "./browser/chat/messages.ts";
import { ConsoleApi, type ApiFetch } from "./console-api.ts";
import { PAGE_HEADERS } from "./console-routes.tsx";
import { ChatProblemPage, ChatStartPage, ChatThreadPage, type ThreadList } from "./pages/chat.tsx";
import { requireSession, type PageVars } from "./session.ts";

/** `GET /api/threads`: newest first. */
const ThreadListAnswer = z.object({
  threads: z.array(z.object({ threadId: z.string(), title: z.string().nullable(), createdAt: z.number(), updatedAt: z.number() })),
  nextCursor: z.string().nullable(),
});
const ThreadAnswer = z.object({ threadId: z.string(), title: z.string().nullable() });

/** The history a thread's page is rendered with; chat.js reads the rest, if any, from the API. */
const MAX_RENDERED_PAGES = 10;

/**
 * @example
 * app.route("/chat", chatPageRoutes({ api }));
 */
export function chatPageRoutes(opts: { api: ApiFetch }) {
  return new Hono<{ Bindings: Env; Variables: PageVars }>()
    .use(async (c, next) => {
      await next();
      for (const [k, v] of Object.entries(PAGE_HEADERS)) c.header(k, v);
    })
    .get("/", requireSession(), async (c) => c.html(<ChatStartPage csrf={c.get("csrf")} list={await threadList(new ConsoleApi(opts.api, c.env))} />))
    .get(
      "/:threadId",
      // A malformed id is the app's 404, before the session is asked for.
      async (c, next) => (THREAD_ID_PATTERN.test(c.req.param("threadId")) ? next() : c.notFound()),
      requireSession(),
      async (c) => {
        const threadId = c.req.param("threadId");
        const api = new ConsoleApi(opts.api, c.env);
        const thread = await api.get<unknown>(`/api/threads/${threadId}`);
        if (!thread.ok) {
          const title = thread.status === 404 ? "No such thread" : "The thread could not be shown";
          return c.html(<ChatProblemPage csrf={c.get("csrf")} title={title} message={thread.problem} />, thread.status);
        }
        const messages = await history(api, threadId);
        const title = ThreadAnswer.parse(thread.value).title;
        return c.html(<ChatThreadPage csrf={c.get("csrf")} threadId={threadId} title={title} messages={messages} />);
      },
    );
}

async function threadList(api: ConsoleApi): Promise<ThreadList> {
  const listed = await api.get<unknown>("/api/threads", { limit: "20" });
  if (listed.ok) return { kind: "threads", threads: ThreadListAnswer.parse(listed.value).threads };
  // GET /api/threads is being added alongside this page: until a deployment has it, there is no list.
  if (listed.status === 404) return { kind: "threads", threads: [] };
  return { kind: "problem", message: `The threads could not be listed: ${listed.problem}` };
}

async function history(api: ConsoleApi, threadId: string): Promise<ChatMessage[]> {
  const all: ChatMessage[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < MAX_RENDERED_PAGES; i++) {
    const page = await api.get<unknown>(`/api/threads/${threadId}/messages`, { limit: "100", cursor });
    if (!page.ok) break;
    const parsed = MessagePage.parse(page.value);
    all.push(...parsed.messages);
    if (parsed.nextCursor === null) break;
    cursor = parsed.nextCursor;
  }
  return all;
}

// The pages: `/` (landing), `/console/sign-in` and sign-out, the console's pages behind the session, and
// `/assets/*` (their bundled scripts and styles). Pages read through the app's own API, so a page shows
// exactly what the API answers; actions are the browser's fetches to that API with the session's CSRF token.
import { Hono } from "hono";
import { BROWSER_ASSETS } from "./generated/browser-assets.ts";
import { LandingPage, SignInPage, type Health } from "./pages/home.tsx";
import { RunPage, type RunPageData } from "./pages/run.tsx";
import { RunsPage } from "./pages/runs.tsx";
import type { RunRowData } from "./shared/format.ts";
import { endSession, formCsrfOk, requireSession, safeNext, startSession, tokenMatches, type PageVars } from "./session.ts";
import { ConsoleApi, type ApiFetch } from "./console-api.ts";
import { ErrorPage } from "./pages/error.tsx";
import { InboxPage, type InboxWait } from "./pages/inbox.tsx";
import { ThreadsPage, type ThreadRow } from "./pages/threads.tsx";
import { PoolsPage, type PoolView, type RetrierRun } from "./pages/pools.tsx";

/** Scripts and styles only from this origin, nothing inline, no framing; forms post only here. */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
// same-origin, not no-referrer: under no-referrer a browser sends `Origin: null` with a form post or a
// same-origin fetch POST, and the sign-in and /api's same-origin checks refuse it (403).
export const PAGE_HEADERS = { "content-security-policy": PAGE_CSP, "cache-control": "no-store", "referrer-policy": "same-origin" };

const ASSET_TYPES: Record<string, string> = { js: "text/javascript; charset=utf-8", css: "text/css; charset=utf-8" };

export interface UiOptions {
  /** The names of the registered workflows. */
  workflows: () => string[];
  /** The deployment's configuration problems, as /healthz reports them. */
  health: (env: Env, url: string) => Health;
  /** Calls the app's API in-process, as the deployment's own client. */
  api: ApiFetch;
}

/**
 * @example
 * app.route("/", uiRoutes({ workflows, health: checkConfig, api }));
 */
export function uiRoutes(opts: UiOptions) {
  const pages = new Hono<{ Bindings: Env; Variables: PageVars }>();
  pages.use(async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(PAGE_HEADERS)) c.header(k, v);
  });
  pages.get("/", (c) => c.html(<LandingPage workflows={opts.workflows()} health={opts.health(c.env, c.req.url)} />));
  pages.get("/assets/:name", (c) => {
    const name = c.req.param("name");
    const body = Object.hasOwn(BROWSER_ASSETS, name) ? BROWSER_ASSETS[name] : undefined;
    if (body === undefined) return c.notFound();
    const type = ASSET_TYPES[name.slice(name.lastIndexOf(".") + 1)] ?? "application/octet-stream";
    return c.body(body, 200, { "content-type": type, "cache-control": "no-cache", "x-content-type-options": "nosniff" });
  });
  pages.get("/console/sign-in", (c) => c.html(<SignInPage next={safeNext(c.req.query("next"))} failed={false} />));
  pages.post("/console/sign-in", async (c) => {
    const origin = c.req.header("origin");
    if (origin !== undefined && origin !== new URL(c.req.url).origin) return c.html(<SignInPage next="/console" failed={true} />, 403);
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const next = safeNext(typeof form.next === "string" ? form.next : undefined);
    if (!tokenMatches(c, form.token)) return c.html(<SignInPage next={next} failed={true} />, 401);
    await startSession(c);
    return c.redirect(next, 303);
  });
  pages.post("/console/sign-out", requireSession(), async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    if (!(await formCsrfOk(c, form._csrf))) return c.html(<ErrorPage title="Refused" message="That sign-out did not come from this site." />, 403);
    endSession(c);
    return c.redirect("/console/sign-in", 303);
  });

  const console = new Hono<{ Bindings: Env; Variables: PageVars }>().use(requireSession());
  console.get("/", async (c) => {
    const api = new ConsoleApi(opts.api, c.env);
    const filters = { workflow: c.req.query("workflow") || undefined, status: c.req.query("status") || undefined, q: c.req.query("q") || undefined };
    const cursor = c.req.query("cursor") || undefined;
    const listed = await api.get<{ runs: RunRowData[]; nextCursor: string | null; counts?: { workflow: string; status: string; count: number }[] }>(
      "/api/runs",
      { ...filters, cursor, limit: "50", counts: "true" },
    );
    if (!listed.ok) return c.html(<ErrorPage title="Runs" message={listed.problem} csrf={c.get("csrf")} />, listed.status);
    return c.html(
      <RunsPage
        csrf={c.get("csrf")}
        runs={listed.value.runs}
        nextCursor={listed.value.nextCursor}
        firstPage={cursor === undefined}
        filters={filters}
        workflows={opts.workflows()}
        counts={listed.value.counts ?? null}
        now={Date.now()}
      />,
    );
  });
  console.get("/runs/:runId", async (c) => {
    const api = new ConsoleApi(opts.api, c.env);
    const run = await api.get<RunPageData>(`/api/runs/${encodeURIComponent(c.req.param("runId"))}`, { steps: "none" });
    if (!run.ok) return c.html(<ErrorPage title="Run" message={run.problem} csrf={c.get("csrf")} />, run.status);
    return c.html(<RunPage csrf={c.get("csrf")} run={run.value} now={Date.now()} />);
  });
  console.get("/inbox", async (c) => {
    const api = new ConsoleApi(opts.api, c.env);
    const page = await api.get<{ waits: InboxWait[]; nextCursor: string | null }>("/api/inbox", { cursor: c.req.query("cursor") || undefined, limit: "50" });
    if (!page.ok) return c.html(<ErrorPage title="Inbox" message={page.problem} csrf={c.get("csrf")} />, page.status);
    return c.html(<InboxPage csrf={c.get("csrf")} waits={page.value.waits} nextCursor={page.value.nextCursor} />);
  });
  console.get("/threads", async (c) => {
    const api = new ConsoleApi(opts.api, c.env);
    const userId = c.req.query("userId") || undefined;
    const page = await api.get<{ threads: ThreadRow[]; nextCursor: string | null }>("/api/threads", {
      userId,
      cursor: c.req.query("cursor") || undefined,
      limit: "50",
    });
    if (!page.ok) return c.html(<ErrorPage title="Threads" message={page.problem} csrf={c.get("csrf")} />, page.status);
    return c.html(<ThreadsPage csrf={c.get("csrf")} threads={page.value.threads} nextCursor={page.value.nextCursor} userId={userId} />);
  });
  console.get("/pools", async (c) => {
    const api = new ConsoleApi(opts.api, c.env);
    const [pools, retriers] = await Promise.all([api.get<{ pools: PoolView[] }>("/api/pools"), api.get<{ inFlight: RetrierRun[] }>("/api/retriers")]);
    const problem = !pools.ok ? pools.problem : !retriers.ok ? retriers.problem : null;
    return c.html(
      <PoolsPage csrf={c.get("csrf")} pools={pools.ok ? pools.value.pools : []} retriers={retriers.ok ? retriers.value.inFlight : null} problem={problem} />,
    );
  });
  pages.route("/console", console);
  return pages;
}

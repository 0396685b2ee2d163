// The Hono app: public health, docs and approval pages, and the bearer-protected /api routes (the chat
// page is the ui layer's, mounted by src/stepwise.ts). `AppType` is what `hc<AppType>` types a client with.
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { secureHeaders } from "hono/secure-headers";
import type { Registry } from "../engine/index.ts";
import type { QueueTriggers } from "../triggers/index.ts";
import { docsPage } from "./api/docs.ts";
import { openApiDocument } from "./api/openapi.ts";
import { functionRoutes } from "./api/functions.ts";
import { poolRoutes } from "./api/pools.ts";
import { queueRoutes } from "./api/queues.ts";
import { scheduleRoutes } from "./api/schedules.ts";
import { runRoutes } from "./api/runs.ts";
import { approvalApiRoutes } from "./api/approvals.ts";
import { threadRoutes, threadSocketRoutes } from "./threads.ts";
import { approvalRoutes } from "./approvals/routes.ts";
import { apiAuth } from "./auth.ts";
import { onError, problem } from "./problem.ts";
import { checkConfig } from "./config.ts";
import { log } from "../kernel/index.ts";
import type { ScheduleRegistry } from "../triggers/index.ts";

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * `queueTriggers`: the queues `POST /api/queues/:queue/messages` may send to (those whose trigger names its producer).
 * `schedules`: the deployment's code-defined schedules, synced into their objects at the isolate's first request.
 */
export function createApp(registry: Registry, opts: { queueTriggers?: QueueTriggers; schedules?: ScheduleRegistry } = {}) {
  const api = new Hono<{ Bindings: Env }>()
    .use(apiAuth())
    .use(bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => problem(c, "request.too_large", `the body is over ${MAX_BODY_BYTES} bytes`) }))
    .route("/", runRoutes(registry))
    .route("/", functionRoutes(registry))
    .route("/", approvalApiRoutes(registry))
    .route("/", poolRoutes())
    .route("/", queueRoutes(opts.queueTriggers ?? new Map()))
    .route("/", scheduleRoutes(registry))
    .route("/threads", threadRoutes());

  const openapi = JSON.stringify(openApiDocument());
  let configChecked = false;
  return (
    new Hono<{ Bindings: Env }>()
      // A header a route sets itself wins (overwrite: false): the pages' Referrer-Policy is same-origin,
      // which their form posts and fetches need (under no-referrer a browser sends `Origin: null`).
      .use(secureHeaders({ overwrite: false }))
      .use(async (c, next) => {
        // At the isolate's first request, say what is wrong with the settings (never their values).
        if (!configChecked) {
          configChecked = true;
          const { errors, warnings } = checkConfig(c.env, c.req.url);
          for (const e of errors) log.error(`stepwise config error: ${e}`);
          for (const w of warnings) log.warn(`stepwise config warning: ${w}`);
        }
        // A deploy arms the code's schedules without waiting for the cron trigger (once per isolate, in the background).
        const ctx = executionContext(c);
        if (ctx !== undefined) opts.schedules?.syncOnce(c.env, (p) => ctx.waitUntil(p));
        await next();
      })
      .onError(onError)
      .notFound((c) => problem(c, "route.not_found", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`))
      .get("/healthz", (c) => {
        const { errors, warnings } = checkConfig(c.env, c.req.url);
        return c.json({ ok: errors.length === 0, errors, warnings }, errors.length === 0 ? 200 : 503);
      })
      // The reference describes the API and holds no data, so browsers can read it without the token.
      .get("/api/openapi.json", (c) => c.body(openapi, 200, { "content-type": "application/json" }))
      .get("/api/docs", (c) => c.html(docsPage()))
      .route("/approvals", approvalRoutes(registry))
      // Before the /api router: these sockets authenticate with a ticket (browsers cannot send a bearer header).
      .route("/api/threads", threadSocketRoutes())
      .route("/api", api)
  );
}

export type AppType = ReturnType<typeof createApp>;

/** The request's execution context; none for an in-process `app.request` (the pages' reads through the API). */
function executionContext(c: Context): { waitUntil(p: Promise<unknown>): void } | undefined {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}

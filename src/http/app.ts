// The Hono app: /api routes over the Worker-side client, with auth, body limits and problem+json.
// Every route parses its input with zod before touching a run.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { secureHeaders } from "hono/secure-headers";
import { z } from "zod";
import { createClient, type Registry } from "../engine/index.ts";
import { bearerAuth } from "./auth.ts";
import { onError, problem } from "./problem.ts";
import { parseJsonBody, parseWith } from "./validate.ts";

const MAX_BODY_BYTES = 1024 * 1024;

const StartBody = z.object({ args: z.unknown().optional() });
const SignalBody = z.object({ payload: z.unknown().optional() });
const RunQuery = z.object({ steps: z.enum(["all", "none"]).default("all") });
const SignalParam = z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, "1-100 characters of letters, digits, '_', '.', ':', '-'");

export function createApp(registry: Registry) {
  const app = new Hono<{ Bindings: Env }>();
  app.use(secureHeaders());
  app.onError(onError);
  app.notFound((c) => problem(c, "route.not_found", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`));

  app.get("/healthz", (c) => c.json({ ok: true }));

  const api = new Hono<{ Bindings: Env }>();
  api.use(bearerAuth());
  api.use(bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => problem(c, "request.too_large", `the body is over ${MAX_BODY_BYTES} bytes`) }));

  api.get("/workflows", (c) =>
    c.json({
      workflows: registry.list().map((wf) => ({ name: wf.name, args: z.toJSONSchema(wf.args, { io: "input", unrepresentable: "any" }) })),
    }),
  );

  api.post("/workflows/:name/runs", async (c) => {
    const body = await parseJsonBody(c, StartBody);
    const started = await createClient(c.env, registry).startRun(c.req.param("name"), body.args ?? {});
    return c.json({ runId: started.runId, status: started.status }, 201);
  });

  api.get("/runs/:runId", async (c) => {
    const query = parseWith(RunQuery, c.req.query(), "invalid query");
    return c.json(await createClient(c.env, registry).getRun(c.req.param("runId"), { steps: query.steps }));
  });

  api.post("/runs/:runId/signals/:signal", async (c) => {
    const signal = parseWith(SignalParam, c.req.param("signal"), "invalid signal name");
    const body = await parseJsonBody(c, SignalBody);
    const accepted = await createClient(c.env, registry).signalRun(c.req.param("runId"), signal, body.payload);
    return c.json({ accepted: true, signalId: accepted.signalId }, 202);
  });

  api.post("/runs/:runId/cancel", async (c) => {
    return c.json(await createClient(c.env, registry).cancelRun(c.req.param("runId")));
  });

  app.route("/api", api);
  return app;
}

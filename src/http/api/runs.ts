// The workflow and run routes, chained so that `hc<AppType>` knows every path, input and output.
// Each route validates with the schemas in schemas.ts, the same ones the OpenAPI document shows.
import { Hono } from "hono";
import { z } from "zod";
import { createClient, StepwiseError, type Registry } from "../../engine/index.ts";
import { headerKey, jsonBody, params, query, underBody } from "../validators.ts";
import { ListRunsQuery, RunId, RunQuery, SignalBody, SignalName, StartBody, WorkflowName } from "./schemas.ts";

export function runRoutes(registry: Registry) {
  return new Hono<{ Bindings: Env }>()
    .get("/workflows", (c) =>
      c.json({
        workflows: registry.list().map((wf) => ({
          name: wf.name,
          args: z.toJSONSchema(wf.args, { io: "input", unrepresentable: "any" }) as Record<string, unknown>,
        })),
      }),
    )
    .post("/workflows/:name/runs", params(z.object({ name: WorkflowName })), jsonBody(StartBody), async (c) => {
      const { name } = c.req.valid("param");
      const { args } = c.req.valid("json");
      const idempotencyKey = headerKey(c.req.header("idempotency-key"));
      const started = await createClient(c.env, registry)
        .startRun(name, args ?? {}, idempotencyKey === undefined ? {} : { idempotencyKey })
        .catch((err: unknown) => {
          throw underBody(err, "run.invalid_args", "args");
        });
      return c.json({ runId: started.runId, status: started.status }, started.created ? 201 : 200);
    })
    .get("/runs", query(ListRunsQuery), async (c) => {
      const q = c.req.valid("query");
      return c.json(await createClient(c.env, registry).listRuns(q));
    })
    .get("/runs/:runId", params(z.object({ runId: RunId })), query(RunQuery), async (c) => {
      const { steps } = c.req.valid("query");
      return c.json(await createClient(c.env, registry).getRun(c.req.valid("param").runId, { steps }));
    })
    .post("/runs/:runId/signals/:signal", params(z.object({ runId: RunId, signal: SignalName })), jsonBody(SignalBody), async (c) => {
      const { runId, signal } = c.req.valid("param");
      const idempotencyKey = headerKey(c.req.header("idempotency-key"));
      const sent = await createClient(c.env, registry)
        .signalRun(runId, signal, c.req.valid("json").payload, idempotencyKey === undefined ? {} : { idempotencyKey })
        .catch((err: unknown) => {
          throw underBody(err, "signal.invalid_payload", "payload");
        });
      return c.json({ accepted: true as const, signalId: sent.signalId, duplicate: sent.duplicate }, sent.duplicate ? 200 : 202);
    })
    .post("/runs/:runId/cancel", params(z.object({ runId: RunId })), async (c) => {
      return c.json(await createClient(c.env, registry).cancelRun(c.req.valid("param").runId));
    })
    .get("/runs/:runId/events", params(z.object({ runId: RunId })), async (c) => {
      return createClient(c.env, registry).streamEvents(c.req.valid("param").runId, c.req.raw, "events");
    })
    .get("/runs/:runId/ws", params(z.object({ runId: RunId })), async (c) => {
      if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
        throw new StepwiseError("request.invalid", "this route needs a WebSocket upgrade (Upgrade: websocket)");
      }
      return createClient(c.env, registry).streamEvents(c.req.valid("param").runId, c.req.raw, "ws");
    });
}

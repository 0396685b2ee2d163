// The workflow and run routes, chained so that `hc<AppType>` knows every path, input and output.
// Each route validates with the schemas in schemas.ts, the same ones the OpenAPI document shows.
// Repairs (restart, pause, resume) are the run object's to decide; a refusal there changes nothing. The
// list, the inbox and the live list are the run index's.
import { Hono } from "hono";
import { z } from "zod";
import { createClient, StepwiseError, versionOf, type Registry } from "../../engine/index.ts";
import { log, loggedError } from "../../kernel/index.ts";
import { atField, headerKey, jsonBody, optionalQuery, params, query, underBody } from "../validators.ts";
import {
  InboxQuery,
  ListRunsQuery,
  RestartBody,
  RunId,
  RunQuery,
  SignalBody,
  SignalName,
  StartBody,
  StartQuery,
  StepSeq,
  TimelineQuery,
  WorkflowName,
} from "./schemas.ts";

export function runRoutes(registry: Registry) {
  return (
    new Hono<{ Bindings: Env }>()
      .get("/workflows", async (c) => {
        const live = await createClient(c.env, registry).liveRunCounts();
        return c.json({
          workflows: registry.list().map((wf) => ({
            name: wf.name,
            args: z.toJSONSchema(wf.args, { io: "input", unrepresentable: "any" }) as Record<string, unknown>,
            version: versionOf(wf),
            versions: workflowVersions(
              registry.versions(wf.name).map(versionOf),
              live.filter((l) => l.workflow === wf.name),
            ),
          })),
        });
      })
      .post("/workflows/:name/runs", params(z.object({ name: WorkflowName })), optionalQuery(StartQuery), jsonBody(StartBody), async (c) => {
        const { name } = c.req.valid("param");
        const { wait } = c.req.valid("query");
        const { args, version, retentionDays } = c.req.valid("json");
        const idempotencyKey = headerKey(c.req.header("idempotency-key"));
        const opts = {
          ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
          ...(version === undefined ? {} : { version }),
          ...(retentionDays === undefined ? {} : { retentionDays }),
        };
        const client = createClient(c.env, registry);
        const started = await client.startRun(name, args ?? {}, opts).catch((err: unknown) => {
          throw atField(underBody(err, "run.invalid_args", "args"), "workflow.version_not_found", "version");
        });
        const code = started.created ? 201 : 200;
        if (wait !== undefined) {
          // The run is stored: a wait cut short (its object restarted) still answers with its id.
          const run = await client.getRun(started.runId, { steps: "none", waitMs: Math.round(wait * 1000) }).catch((err: unknown) => {
            log.warn("the held answer of a start was cut short; the start's is given", { runId: started.runId, workflow: name, error: loggedError(err) });
            return null;
          });
          if (run !== null) return c.json(run, code);
        }
        return c.json({ runId: started.runId, status: started.status }, code);
      })
      .get("/runs", query(ListRunsQuery), async (c) => {
        const { counts, ...q } = c.req.valid("query");
        return c.json(await createClient(c.env, registry).listRuns({ ...q, counts: counts === "true" }));
      })
      .get("/inbox", query(InboxQuery), async (c) => {
        return c.json(await createClient(c.env, registry).inbox(c.req.valid("query")));
      })
      // Not under /runs: a run id could be "live".
      .get("/live/runs", async (c) => {
        if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
          throw new StepwiseError("request.upgrade_required", "this route needs a WebSocket upgrade (Upgrade: websocket)");
        }
        return createClient(c.env, registry).liveRuns(c.req.raw);
      })
      .get("/runs/:runId", params(z.object({ runId: RunId })), query(RunQuery), async (c) => {
        const { steps, wait } = c.req.valid("query");
        const opts = wait === undefined ? { steps } : { steps, waitMs: Math.round(wait * 1000) };
        return c.json(await createClient(c.env, registry).getRun(c.req.valid("param").runId, opts));
      })
      .get("/runs/:runId/timeline", params(z.object({ runId: RunId })), query(TimelineQuery), async (c) => {
        return c.json(await createClient(c.env, registry).getTimeline(c.req.valid("param").runId, c.req.valid("query")));
      })
      .get("/runs/:runId/history", params(z.object({ runId: RunId })), async (c) => {
        return c.json(await createClient(c.env, registry).getHistory(c.req.valid("param").runId));
      })
      .get("/runs/:runId/steps/:seq", params(z.object({ runId: RunId, seq: StepSeq })), async (c) => {
        const { runId, seq } = c.req.valid("param");
        return c.json(await createClient(c.env, registry).getStep(runId, seq));
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
      // The engine's refusals name the body's fields themselves (/fromStep, /version).
      .post("/runs/:runId/restart", params(z.object({ runId: RunId })), jsonBody(RestartBody), async (c) => {
        const { fromStep, version } = c.req.valid("json");
        const restarted = await createClient(c.env, registry).restartRun(c.req.valid("param").runId, {
          ...(fromStep === undefined ? {} : { fromStep }),
          ...(version === undefined ? {} : { version }),
        });
        // 202 while the new run does not have it yet: the restart is stored and its handoff repeated until it does.
        return c.json(restarted, restarted.status === "pending" ? 202 : 201);
      })
      .post("/runs/:runId/pause", params(z.object({ runId: RunId })), async (c) => {
        return c.json(await createClient(c.env, registry).pauseRun(c.req.valid("param").runId));
      })
      .post("/runs/:runId/resume", params(z.object({ runId: RunId })), async (c) => {
        return c.json(await createClient(c.env, registry).resumeRun(c.req.valid("param").runId));
      })
      .get("/runs/:runId/events", params(z.object({ runId: RunId })), async (c) => {
        return createClient(c.env, registry).streamEvents(c.req.valid("param").runId, c.req.raw, "events");
      })
      .get("/runs/:runId/ws", params(z.object({ runId: RunId })), async (c) => {
        if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
          throw new StepwiseError("request.invalid", "this route needs a WebSocket upgrade (Upgrade: websocket)");
        }
        return createClient(c.env, registry).streamEvents(c.req.valid("param").runId, c.req.raw, "ws");
      })
  );
}

/**
 * A workflow's versions, oldest first: each one registered, and each one no longer registered that still
 * has live runs (deployed: false), so an operator sees when an old version's code may be deleted.
 */
function workflowVersions(deployed: number[], live: { version: number; live: number }[]) {
  const all = [...new Set([...deployed, ...live.map((l) => l.version)])].sort((a, b) => a - b);
  return all.map((version) => ({
    version,
    deployed: deployed.includes(version),
    liveRuns: live.find((l) => l.version === version)?.live ?? 0,
  }));
}

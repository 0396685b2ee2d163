// An operator decides an approval from the console: `POST /api/runs/:runId/approvals/:seq`, the seq being
// the approval's wait (as `waitingFor` shows it, `label: "approval"`). The same once-only rule as the link.
import { Hono } from "hono";
import { z } from "zod";
import { findApprovalWait, sendDecision, type ApprovalDecision } from "../../approvals/index.ts";
import { createClient, StepwiseError, type Registry } from "../../engine/index.ts";
import { systemClock } from "../../kernel/index.ts";
import { jsonBody, params } from "../validators.ts";
import { DecideBody, RunId, WaitSeq } from "./schemas.ts";

const ALREADY_DECIDED = "the approval was decided already (from its link or the console); the first decision stands";
const CLOSED = "the approval's wait has ended or its run has finished; there is nothing left to decide";

export function approvalApiRoutes(registry: Registry) {
  return new Hono<{ Bindings: Env }>().post(
    "/runs/:runId/approvals/:seq",
    params(z.object({ runId: RunId, seq: WaitSeq })),
    jsonBody(DecideBody),
    async (c) => {
      const { runId, seq } = c.req.valid("param");
      const { approved, reason } = c.req.valid("json");
      const client = createClient(c.env, registry);
      const wait = await findApprovalWait(client, runId, seq);
      if (wait === null) throw new StepwiseError("approval.not_found", `step ${seq} of the run is not an approval's wait`);
      // Checked here for a clear answer; the run object checks both again, atomically with taking the decision.
      if (wait.decided !== null) throw new StepwiseError("approval.already_decided", ALREADY_DECIDED);
      if (wait.runStatus !== "running" || wait.waitStatus !== "waiting") throw new StepwiseError("approval.closed", CLOSED);
      const decision: ApprovalDecision = { approved, decidedAt: systemClock.now(), by: "console", ...(reason === undefined ? {} : { reason }) };
      const sent = await sendDecision(client, { runId, signal: wait.signal, requestSeq: wait.requestSeq, decision });
      if (!sent.ok)
        throw new StepwiseError(
          sent.refused === "already_decided" ? "approval.already_decided" : "approval.closed",
          sent.refused === "already_decided" ? ALREADY_DECIDED : CLOSED,
        );
      return c.json({ decided: true as const, approved });
    },
  );
}

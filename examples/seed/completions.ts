// The seed's best practice 5, "use workflow's onComplete for error handling": a mutation that gets each
// run's outcome (`{ workflowId, result, context }`) and records it once.
import { internalMutation, vOnCompleteArgs } from "stepwise/convex";

export const record = internalMutation({
  args: vOnCompleteArgs,
  handler: async (ctx, { workflowId, result, context }) => {
    const detail = result.kind === "success" ? result.returnValue : result.kind === "failed" ? result.error : null;
    await ctx.db
      .prepare("INSERT INTO completions (idempotency_key, workflow_id, kind, detail, context) VALUES (?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING")
      .bind(ctx.idempotencyKey, workflowId, result.kind, JSON.stringify(detail ?? null), JSON.stringify(context ?? null))
      .run();
  },
});

// The seed's snippets that are statements, not definitions ("Agent Functions in Workflows", the use
// of an agent action, "Action Retrier", "Workpool", "Workflow"): each is verbatim inside a definition
// that gives it the names it uses (`step`, `ctx`, `threadId`, `prompt`, `userId`, `args`). The
// wrappers are ours; the lines between "seed:" and "end of seed" are the seed's.
import { ActionRetrier, action, components, createThread, saveMessage, v, Workpool, WorkflowManager } from "stepwise/convex";
import { internal } from "./_generated/api.ts";

const workflow = new WorkflowManager(components.workflow);

export const agentFunctionsInWorkflows = workflow.define({
  args: { userId: v.string(), prompt: v.string() },
  handler: async (step, { userId, prompt }) => {
    // seed:
    // These work in workflows (call step.runMutation internally)
    const { threadId } = await createThread(step, components.agent, { userId });
    const { messageId } = await saveMessage(step, components.agent, {
      threadId,
      prompt
    });
    // end of seed
    return { threadId, messageId };
  },
});

export const agentActionInWorkflow = workflow.define({
  args: { threadId: v.string(), messageId: v.string() },
  handler: async (step, { threadId, messageId }) => {
    // seed:
    // Use in workflow
    const { text } = await step.runAction(
      internal.agents.generateSupport,
      { threadId, promptMessageId: messageId },
      { retry: true }
    );
    // end of seed
    return text;
  },
});

// Public actions, so that they can be called from outside (POST /api/functions/snippets.retried).
export const retried = action({
  args: { threadId: v.string(), prompt: v.string() },
  handler: async (ctx, { threadId, prompt }) => {
    // seed:
    const retrier = new ActionRetrier(components.actionRetrier);

    await retrier.run(ctx, internal.agents.generate, { threadId, prompt });
    // end of seed
  },
});

export const pooled = action({
  args: { threadId: v.string(), prompt: v.string() },
  handler: async (ctx, { threadId, prompt }) => {
    // seed:
    const pool = new Workpool(components.workpool, {
      maxParallelism: 5
    });

    // Queue work
    await pool.enqueueAction(ctx, internal.agents.generate, { threadId, prompt });
    // end of seed
  },
});

export const stepsWorkflow = workflow.define({
  args: { threadId: v.string(), prompt: v.string() },
  handler: async (step, args) => {
    // seed:
    // Each step is recorded and can be resumed
    await step.runAction(internal.agents.generate, args, { retry: true });
    await step.runMutation(internal.db.save, args);
    await step.sleep(5000); // Durable sleep
    // end of seed
  },
});

// The seed's workflows ("Define Workflow" and "Complex Patterns"), verbatim below the import lines.
// --- import lines (the only lines changed in the seed's code below) ---
import { components, createThread, saveMessage, v, WorkflowManager } from "stepwise/convex";
import { internal } from "./_generated/api.ts";
// --- end of import lines ---

const workflow = new WorkflowManager(components.workflow);

export const supportWorkflow = workflow.define({
  args: { prompt: v.string(), userId: v.string() },
  handler: async (step, { prompt, userId }): Promise<string> => {
    // Step 1: Create thread (mutation step)
    const { threadId } = await createThread(step, components.agent, { userId });

    // Step 2: Save message (mutation step)
    const { messageId } = await saveMessage(step, components.agent, {
      threadId,
      prompt
    });

    // Step 3: Generate response (action step)
    const { text } = await step.runAction(
      internal.agents.generateSupport,
      { threadId, promptMessageId: messageId },
      { retry: true }
    );

    // Step 4: Send notification (mutation step)
    await step.runMutation(internal.notifications.send, {
      userId,
      message: text
    });

    return text;
  }
});

export const parallelWorkflow = workflow.define({
  handler: async (step, { prompts }) => {
    // Fan out to multiple agents
    const results = await Promise.all(
      prompts.map((prompt) =>
        step.runAction(internal.agents.analyze, { prompt })
      )
    );

    // Combine results
    return await step.runAction(internal.agents.summarize, {
      inputs: results
    });
  }
});

export const routingWorkflow = workflow.define({
  handler: async (step, { prompt }) => {
    // Triage step
    const { department } = await step.runAction(internal.agents.triage, {
      prompt
    });

    // Route to appropriate agent
    const agentAction =
      department === 'billing'
        ? internal.agents.billing
        : internal.agents.support;

    return await step.runAction(agentAction, { prompt });
  }
});

export const approvalWorkflow = workflow.define({
  handler: async (step, { draft }) => {
    // Generate draft
    const { text } = await step.runAction(internal.agents.draft, { draft });

    // Wait for human approval (external signal)
    const approved = await step.waitForSignal('approval', {
      timeout: 24 * 60 * 60 * 1000 // 24 hours
    });

    if (approved) {
      await step.runMutation(internal.publish, { text });
    }
  }
});

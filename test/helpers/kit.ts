// For tests that use the testing kit (stepwise/testing) as a user would: one environment per test, and
// the thread messages a run's agents wrote.
import { env } from "cloudflare:workers";
import { afterEach, beforeEach } from "vitest";
import { listMessages, type MessageRecord } from "stepwise";
import { stepwiseTest, type StepwiseTest } from "stepwise/testing";

/** The test's environment, made before and disposed after each test of the file that calls this. */
export function useStepwiseTest(): { readonly t: StepwiseTest } {
  const holder: { t?: StepwiseTest } = {};
  beforeEach(async () => {
    holder.t = await stepwiseTest();
  });
  afterEach(() => holder.t?.dispose());
  return {
    get t() {
      if (holder.t === undefined) throw new Error("useStepwiseTest() gives an environment inside a test only");
      return holder.t;
    },
  };
}

export async function messages(threadId: string): Promise<MessageRecord[]> {
  return (await listMessages(env, threadId, { limit: 100 })).messages;
}

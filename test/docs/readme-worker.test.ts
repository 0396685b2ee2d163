// The README's example Worker (examples/readme/worker.ts, "Registration and names") loads as written:
// createStepwise takes its modules with nothing left out and no name twice, and its app lists the workflows.
import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { expect, it } from "vitest";
import worker from "../../examples/readme/worker.ts";

it("registers the README's examples under the names the README gives them", async () => {
  const res = await worker.fetch(
    new Request("http://stepwise.test/api/workflows", { headers: { authorization: `Bearer ${env.API_TOKEN}` } }),
    env,
    createExecutionContext(),
  );
  expect(res.status).toBe(200);
  const { workflows } = (await res.json()) as { workflows: { name: string }[] };
  expect(workflows.map((w) => w.name).sort()).toEqual(["checkout", "draft", "newsletter", "weather"]);
});

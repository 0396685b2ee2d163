// The testing kit with a workflow that has a concurrency limit: a run that waits in line is queued,
// awaiting its outcome says so (nothing the kit can skip would admit it), and it goes on once the run
// ahead of it ends.
import { expect, it } from "vitest";
import { useStepwiseTest } from "../helpers/kit.ts";

const kit = useStepwiseTest();

it("a queued run's outcome waits for the run ahead of it; awaiting it before then says why", async () => {
  const user = `kit-${Date.now().toString(36)}`;
  const first = await kit.t.start("flow.perUser", { user, n: 1 });
  const second = await kit.t.start("flow.perUser", { user, n: 2 });
  expect(await first.status()).toBe("waiting");
  expect(await second.view()).toMatchObject({ status: "queued", queue: { kind: "concurrency", key: user, position: 0 } });
  await expect(second.result()).rejects.toThrow(`is queued in its workflow's concurrency line for "${user}" with 0 ahead: end the runs ahead of it`);

  await first.signal("go", true);
  expect(await first.result()).toBe(`${user}:1`);
  await expect.poll(() => second.status(), { timeout: 5_000, interval: 10 }).toBe("waiting");
  await second.signal("go", true);
  expect(await second.result()).toBe(`${user}:2`);
});

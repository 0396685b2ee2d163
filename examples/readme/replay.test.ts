/// <reference types="vite/client" />
import { expect, it } from "vitest";
import { stepwiseTest, type RunHistory } from "stepwise/testing";

// Saved from production with `npx stepwise history <runId> > test/histories/<runId>.json`.
const histories = import.meta.glob<RunHistory>("./histories/*.json", { eager: true, import: "default" });

it.each(Object.keys(histories))("%s replays on the code about to be deployed", async (file) => {
  const t = await stepwiseTest();
  try {
    expect(await t.replay(histories[file])).toReplayCleanly();
  } finally {
    t.dispose();
  }
});

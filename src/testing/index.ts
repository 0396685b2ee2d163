// `stepwise/testing`: test your own workflows in the vitest plugin, on the engine that runs them in
// production: time that skips, mocked steps and models, eviction, journal matchers and history replay.
export { stepwiseTest, StepwiseTest, type TestEnvOptions } from "./test-env.ts";
export { RunOutcomeError, TestRun, type TestOutcome } from "./test-run.ts";
export type { MockBehaviour, MockContext, MockedStep, StepCallRecord } from "./mocks.ts";
export type { LinkAnswer } from "./approval-links.ts";
export { RunJournal } from "./run-journal.ts";
export { stepwiseMatchers } from "./matchers.ts";
export type { ReplayReport, RunHistory } from "../engine/index.ts";

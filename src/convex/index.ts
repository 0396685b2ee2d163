// Stepwise in the seed's spelling (`stepwise/convex`): `v` validators, `action`/`mutation` and their
// internal variants, `WorkflowManager`, `components`, the agent helpers, `ActionRetrier` and `Workpool`.
// Everything here is Stepwise underneath; README "Porting from the seed" lists what differs and why.
export { Agent, createThread, saveMessage, type ConvexAgentOptions } from "./agent.ts";
export { components, type Component, type ComponentKind } from "./components.ts";
export { ActionRetrier, Workpool } from "./reliability.ts";
export { action, internalAction, internalMutation, mutation, withDb, type ActionCtx, type Database, type MutationCtx } from "./server.ts";
export { argsSchema, v, type ArgsOf, type ArgsSpec, type GenericId, type Id, type Infer } from "./values.ts";
export {
  vOnCompleteArgs,
  vResultValidator,
  vWorkflowId,
  WorkflowManager,
  type RunResult,
  type RunsCtx,
  type WorkflowId,
  type WorkflowStatus,
} from "./workflow.ts";
export { anyApi, references, type ApiFromModules, type FunctionReference, type PublicApiFromModules } from "../engine/index.ts";
export { stepCountIs } from "../agents/index.ts";

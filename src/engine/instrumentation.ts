// A test seam over step execution: what the testing kit (`stepwise/testing`) installs to see every
// attempt of an action or mutation, stand in for one, or answer a child workflow without running it.
import type { ActionContext } from "./workflow-api.ts";

/** One attempt of an action or mutation step, as an instrument sees it. */
export interface AttemptCall {
  kind: "action" | "mutation";
  /** The registered name of the action or mutation (what a mock is keyed by). */
  target: string;
  /** The step's own name (the target's, unless the step gave one). */
  step: string;
  args: unknown;
  runId: string;
  workflow: string;
  seq: number;
  attempt: number;
}

/** A child workflow step about to start its child run. */
export interface ChildCall {
  workflow: string;
  args: unknown;
  runId: string;
  seq: number;
  childRunId: string;
}

/** What a stand-in child run ended with. */
export type ChildStandIn = { status: "completed"; result: unknown } | { status: "failed"; error: { code: string; message: string } };

export interface Instrumentation {
  /** Sees each attempt before it runs; returns the function to run instead of the real one, or undefined. */
  attempt?(call: AttemptCall): ((ctx: ActionContext) => Promise<unknown>) | undefined;
  /** Sees each child start; returns how the child ended instead of starting it, or undefined to start it. */
  child?(call: ChildCall): Promise<ChildStandIn> | undefined;
}

let installed: Instrumentation | null = null;

/**
 * Installs `instrumentation` for every run object in this isolate (null removes it). Only code in the same
 * isolate can call it, so only a test does; a deployment never has one installed.
 */
export function instrument(instrumentation: Instrumentation | null): void {
  installed = instrumentation;
}

/** The installed instrumentation, if any. */
export function instrumentation(): Instrumentation | null {
  return installed;
}

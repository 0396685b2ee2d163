// The seed's `components.workflow`, `components.agent`, ...: in Convex they name installed components.
// Here each names a part of Stepwise whose Durable Objects wrangler.toml binds; the constructors and
// helpers that take one check they got the right kind, and find the binding themselves.
export interface Component<Kind extends ComponentKind = ComponentKind> {
  readonly component: Kind;
  /** The wrangler.toml binding behind it (none for the workflow manager, which uses WORKFLOW_RUNS). */
  readonly binding: string;
}
export type ComponentKind = "workflow" | "agent" | "actionRetrier" | "workpool";

/**
 * @example
 * const workflow = new WorkflowManager(components.workflow);
 * const pool = new Workpool(components.workpool, { maxParallelism: 5 });
 */
export const components = {
  workflow: { component: "workflow", binding: "WORKFLOW_RUNS" },
  agent: { component: "agent", binding: "THREADS" },
  actionRetrier: { component: "actionRetrier", binding: "ACTION_RUNS" },
  workpool: { component: "workpool", binding: "WORKPOOLS" },
} as const satisfies { [K in ComponentKind]: Component<K> };

export function expectComponent<K extends ComponentKind>(given: unknown, kind: K, where: string): void {
  // SAFETY: reads one field, compared before use.
  if ((given as { component?: unknown } | null)?.component !== kind) {
    throw new TypeError(`${where} takes components.${kind}`);
  }
}

// The deployment's code-defined schedules: found in the same modules as the workflows, resolved
// against the registry at load (an unknown workflow, bad args or a name twice refuses the deployment),
// and synced into their objects: once per isolate at its first request, and by the cron trigger.
import { functionName, isDefinition, type Registry, type RegistryInput } from "../../engine/index.ts";
import { log, loggedError, rpcResult, unwrap } from "../../kernel/index.ts";
import { hasSchedules, SCHEDULE_DIRECTORY, scheduleNamespace } from "./bindings.ts";
import { resolveSpec } from "./client.ts";
import { specHash, type ScheduleSpec } from "./core/index.ts";
import { isSchedule, type ScheduleDefinition } from "./define.ts";

export class ScheduleRegistry {
  readonly #specs: ScheduleSpec[] = [];
  #synced: Promise<void> | null = null;

  constructor(input: RegistryInput, registry: Registry) {
    const found = new Map<string, string>();
    const add = (def: ScheduleDefinition, place: string) => {
      const taken = found.get(def.name);
      if (taken === place) return;
      if (taken !== undefined) throw new TypeError(`the schedule name "${def.name}" is defined twice: by ${taken} and by ${place}`);
      found.set(def.name, place);
      this.#specs.push(resolve(registry, def, place));
    };
    for (const [module, value] of Object.entries(input.modules ?? {})) {
      if (isSchedule(value)) add(value, module);
      else if (typeof value === "object" && value !== null && !isDefinition(value)) {
        for (const [exported, member] of Object.entries(value)) if (isSchedule(member)) add(member, `${module}.${exported}`);
      }
    }
  }

  /** The code-defined schedules, as their objects store them. */
  list(): readonly ScheduleSpec[] {
    return this.#specs;
  }

  /**
   * Puts each schedule in its object (one unchanged since the last sync is left alone: its hash is the
   * same) and deletes the code-defined ones the code no longer has. Idempotent.
   */
  async sync(env: Env): Promise<{ changed: string[]; deleted: string[] }> {
    if (!hasSchedules(env)) return { changed: [], deleted: [] };
    const ns = scheduleNamespace(env);
    const changed: string[] = [];
    for (const spec of this.#specs) {
      const put = unwrap(
        await rpcResult<{ changed: boolean }>(ns.getByName(spec.name).put({ spec, source: "code", hash: await specHash(spec), mode: "sync" })),
      );
      if (put.changed) changed.push(spec.name);
    }
    const names = new Set(this.#specs.map((s) => s.name));
    const { entries } = unwrap(await rpcResult<{ entries: { name: string; source: string }[] }>(ns.getByName(SCHEDULE_DIRECTORY).directoryList()));
    const deleted: string[] = [];
    for (const entry of entries) {
      if (entry.source !== "code" || names.has(entry.name)) continue;
      const removed = await rpcResult<{ deleted: true }>(ns.getByName(entry.name).remove({ force: true }));
      // Cleared already by a delete that stopped before the directory heard of it.
      if (!removed.ok) await ns.getByName(SCHEDULE_DIRECTORY).directoryRemove(entry.name);
      deleted.push(entry.name);
    }
    return { changed, deleted };
  }

  /** The first call in an isolate syncs (in the background, through `waitUntil`); the rest do nothing unless it failed. */
  syncOnce(env: Env, waitUntil: (p: Promise<unknown>) => void): void {
    if (this.#synced !== null || !hasSchedules(env)) return;
    const sync = this.sync(env).then(
      () => undefined,
      (err: unknown) => {
        log.error("syncing the code-defined schedules failed; the next request tries again", { error: loggedError(err) });
        this.#synced = null;
      },
    );
    this.#synced = sync;
    waitUntil(sync);
  }
}

function resolve(registry: Registry, def: ScheduleDefinition, place: string): ScheduleSpec {
  const workflow = typeof def.workflow === "string" ? def.workflow : functionName(def.workflow);
  try {
    return resolveSpec(registry, { ...def.options, workflow });
  } catch (err) {
    const issues = err instanceof Error && "details" in err ? describeDetails(err.details) : "";
    throw new TypeError(`schedule "${def.name}" (${place}): ${err instanceof Error ? err.message : String(err)}${issues}`);
  }
}

function describeDetails(details: unknown): string {
  const issues = (details as { issues?: { path: string[]; message: string }[] } | undefined)?.issues;
  return issues === undefined ? "" : `: ${issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`;
}

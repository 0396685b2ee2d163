// The definitions a deployment knows, by name: workflows, actions and mutations, from one list of modules.
// The run objects, the components' objects and the HTTP layer share one registry, so a function is
// registered once, in one place, and whatever calls it by name (a step, a retrier, a pool, an
// onComplete, an HTTP caller) finds the same definition.
import { StepwiseError } from "../kernel/index.ts";
import { markRegistered, nameDefinition, nameOf, unregisteredDefinitions } from "./define.ts";
import { FUNCTION_PATH, type AnyCallable, type AnyDefinition, type AnyWorkflow, type DefinitionLike, type FunctionReference } from "./workflow-api.ts";

/**
 * What a registry is made of. `modules`: each value is a module namespace (`import * as agents from
 * "./agents.ts"`), whose exported definitions are registered, or one definition; an unnamed definition
 * is named `${module}.${export}` (or `${module}` for a definition given directly), as `internal` refers
 * to it. `definitions`: named definitions given one by one.
 */
export interface RegistryInput {
  modules?: Readonly<Record<string, unknown>>;
  definitions?: readonly DefinitionLike[];
}

export class Registry {
  readonly #byName = new Map<string, AnyDefinition>();
  /** Where each name was registered (`agents.generate`, or `definitions[3]`): said when a name is taken twice. */
  readonly #placeOf = new Map<string, string>();
  /** Module paths (`agents.generate`) to what is exported there, for references; may differ from its name. */
  readonly #byPath = new Map<string, AnyDefinition>();
  /** Every registered version of each workflow name, oldest first (`#byName` holds the newest). */
  readonly #versions = new Map<string, AnyWorkflow[]>();

  constructor(input: RegistryInput | readonly DefinitionLike[] = {}) {
    const { modules = {}, definitions = [] } = isDefinitionList(input) ? { definitions: input } : input;
    for (const [module, value] of Object.entries(modules)) {
      if (isDefinition(value)) {
        this.#add(value, module);
        continue;
      }
      if (typeof value !== "object" || value === null) throw new TypeError(`module "${module}" is not a module or a definition`);
      for (const [exported, member] of Object.entries(value)) if (isDefinition(member)) this.#add(member, `${module}.${exported}`);
    }
    definitions.forEach((def, i) => {
      // SAFETY: isDefinition checks the shape of each one before it is used as one.
      if (!isDefinition(def)) throw new TypeError(`definitions[${i}] is not a workflow, action or mutation`);
      if (def.name === "") throw new TypeError(`definitions[${i}] has no name: give it one, or register its module in "modules"`);
      this.#add(def, `definitions[${i}]`);
    });
  }

  #add(def: AnyDefinition, place: string): void {
    nameDefinition(def, place);
    markRegistered(def);
    if (!place.startsWith("definitions[")) this.#byPath.set(place, def);
    const taken = this.#byName.get(def.name);
    if (taken === def) return;
    if (taken?.type === "workflow" && def.type === "workflow") {
      this.#addVersion(def, place);
      return;
    }
    if (taken !== undefined) {
      throw new TypeError(`the name "${def.name}" is registered twice: by ${this.#placeOf.get(def.name)} and by ${place}`);
    }
    this.#byName.set(def.name, def);
    this.#placeOf.set(def.name, place);
    if (def.type === "workflow") this.#versions.set(def.name, [def]);
  }

  /** Another version of a workflow name: each version once; the newest answers to the name. */
  #addVersion(def: AnyWorkflow, place: string): void {
    const versions = this.#versions.get(def.name) ?? [];
    const version = versionOf(def);
    const same = versions.find((v) => versionOf(v) === version);
    if (same !== undefined) {
      if (same === def) return;
      throw new TypeError(
        `version ${version} of the workflow "${def.name}" is registered twice: by ${this.#placeOf.get(`${def.name}@${version}`) ?? this.#placeOf.get(def.name)} and by ${place}`,
      );
    }
    versions.push(def);
    versions.sort((a, b) => versionOf(a) - versionOf(b));
    this.#versions.set(def.name, versions);
    this.#placeOf.set(`${def.name}@${version}`, place);
    this.#byName.set(def.name, versions.at(-1)!);
  }

  /**
   * Throws when a definition made while the Worker's modules loaded was registered nowhere: an unnamed
   * one could not be found by name at all, a named one not by a retrier, a pool or a reference.
   * `createStepwise` calls it once, when the Worker loads.
   */
  assertNoneForgotten(): void {
    const forgotten = unregisteredDefinitions();
    if (forgotten.length === 0) return;
    throw new TypeError(
      `${forgotten.length} definition(s) are in no module given to createStepwise({ modules }): ${forgotten.join("; ")}. ` +
        "Export each from a module in `modules` (or list it in `definitions`).",
    );
  }

  /**
   * The workflow named `name` (or exported at that path: `workflows.support`): its newest version, or
   * `version` exactly. A path names one export, so one version: `version` must then be its own.
   */
  get(name: string, version?: number): AnyWorkflow | undefined {
    const def = this.lookup(name);
    if (def?.type !== "workflow") return undefined;
    if (version === undefined) return def;
    return this.versions(def.name).find((v) => versionOf(v) === version && (this.#byName.has(name) || v === def));
  }

  /** Every registered version of the workflow `name`, oldest first (empty when none). */
  versions(name: string): AnyWorkflow[] {
    return this.#versions.get(name) ?? [];
  }

  /** Every workflow, in its newest version. */
  list(): AnyWorkflow[] {
    return [...this.#byName.values()].filter((d): d is AnyWorkflow => d.type === "workflow");
  }

  /** The action or mutation named `name` (or exported at that path). */
  callable(name: string): AnyCallable | undefined {
    const def = this.lookup(name);
    return def?.type === "action" || def?.type === "mutation" ? def : undefined;
  }

  /** Every action and mutation. */
  callables(): AnyCallable[] {
    return [...this.#byName.values()].filter((d): d is AnyCallable => d.type !== "workflow");
  }

  /**
   * The definition a reference (or a definition) stands for, checked to be of `kind`.
   * @throws StepwiseError `function.not_registered`
   */
  resolve<K extends AnyDefinition["type"]>(ref: FunctionReference | DefinitionLike, kind: K): Extract<AnyDefinition, { type: K }> {
    const def = resolveIn(this, ref);
    if (def.type !== kind) throw new StepwiseError("function.not_registered", `"${def.name}" is ${article(def.type)}, not ${article(kind)}`);
    // SAFETY: just checked the discriminant.
    return def as Extract<AnyDefinition, { type: K }>;
  }

  /** The definition named `nameOrPath`, else the one exported at that path (`agents.generate`). */
  lookup(nameOrPath: string): AnyDefinition | undefined {
    return this.#byName.get(nameOrPath) ?? this.#byPath.get(nameOrPath);
  }
}

/** A workflow's version: 1 unless its definition says otherwise. */
export function versionOf(def: Pick<AnyWorkflow, "version">): number {
  return def.version ?? 1;
}

function resolveIn(registry: Registry, ref: FunctionReference | DefinitionLike): AnyDefinition {
  if (isDefinition(ref)) return ref;
  const path = referencePath(ref);
  if (path === undefined) throw new StepwiseError("function.not_registered", "not a workflow, action, mutation or reference to one");
  const def = registry.lookup(path);
  if (def === undefined)
    throw new StepwiseError("function.not_registered", `nothing is registered as "${path}": is its module in createStepwise({ modules })?`);
  return def;
}

/**
 * How to name a function to an object that will look it up in its registry: a reference's path, or a
 * definition's name (a clear error for an unnamed one).
 */
export function functionName(f: FunctionReference | DefinitionLike): string {
  return referencePath(f) ?? nameOf(f as DefinitionLike);
}

/** The path a reference names (`agents.generate`), or undefined for anything else. */
export function referencePath(value: unknown): string | undefined {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return undefined;
  // SAFETY: reads one symbol-keyed property; a reference proxy answers it with its path.
  const path = (value as { [FUNCTION_PATH]?: unknown })[FUNCTION_PATH];
  return typeof path === "string" ? path : undefined;
}

export function isDefinition(value: unknown): value is AnyDefinition {
  if (typeof value !== "object" || value === null || referencePath(value) !== undefined) return false;
  // SAFETY: only reads fields every definition has, checking their types.
  const d = value as { type?: unknown; name?: unknown; handler?: unknown; args?: unknown };
  return (d.type === "workflow" || d.type === "action" || d.type === "mutation") && typeof d.name === "string" && typeof d.handler === "function";
}

function isDefinitionList(input: RegistryInput | readonly DefinitionLike[]): input is readonly DefinitionLike[] {
  return Array.isArray(input);
}

function article(kind: string): string {
  return `${kind === "action" ? "an" : "a"} ${kind}`;
}

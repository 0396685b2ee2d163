// One registry from modules: names from module and export, duplicates named with both places, a
// definition left out of every module refused at load, references resolved by path or name.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineAction, defineMutation, defineWorkflow, nameOf, unregisteredDefinitions } from "../../src/engine/define.ts";
import { anyApi, referenceTo } from "../../src/engine/references.ts";
import { Registry } from "../../src/engine/registry.ts";

const args = z.object({ n: z.number() });

describe("Registry", () => {
  it("names unnamed definitions by module and export, and keeps given names", () => {
    const double = defineAction({ args, handler: (_ctx, { n }) => n * 2 });
    const save = defineMutation({ name: "ledger.save", args, handler: () => null });
    const flow = defineWorkflow({ args, handler: async () => 1 });
    const registry = new Registry({ modules: { math: { double, save, flow, notADefinition: 42 } } });
    expect([double.name, save.name, flow.name]).toEqual(["math.double", "ledger.save", "math.flow"]);
    expect(registry.callable("math.double")).toBe(double);
    expect(registry.get("math.flow")).toBe(flow);
    // A given name is found by its name and by where it is exported.
    expect(registry.callable("ledger.save")).toBe(save);
    expect(registry.callable("math.save")).toBe(save);
    expect(registry.callables().map((c) => c.name)).toEqual(["math.double", "ledger.save"]);
    expect(registry.list().map((w) => w.name)).toEqual(["math.flow"]);
  });

  it("registers a module that is one definition under the module's name", () => {
    const publish = defineMutation({ args, handler: () => null });
    const registry = new Registry({ modules: { publish } });
    expect(publish.name).toBe("publish");
    expect(registry.resolve(anyApi.publish, "mutation")).toBe(publish);
  });

  it("two asTextAction-style exports of one thing get two names; one name taken twice says both places", () => {
    const a = defineAction({ args, handler: () => 1 });
    const b = defineAction({ args, handler: () => 2 });
    new Registry({ modules: { agents: { a, b } } });
    expect([a.name, b.name]).toEqual(["agents.a", "agents.b"]);

    const first = defineAction({ name: "send", args, handler: () => 1 });
    const second = defineMutation({ name: "send", args, handler: () => 2 });
    expect(() => new Registry({ modules: { mail: { first }, sms: { second } } })).toThrow(
      'the name "send" is registered twice: by mail.first and by sms.second',
    );
  });

  it("registers several versions of one workflow: the newest answers to the name, each version once", () => {
    const v2 = defineWorkflow({ name: "report", version: 2, args, handler: async () => 2 });
    const v1 = defineWorkflow({ name: "report", version: 1, args, handler: async () => 1 });
    const registry = new Registry({ modules: { reports: { v2, v1 } } });
    expect(registry.get("report")).toBe(v2);
    expect(registry.get("report", 1)).toBe(v1);
    expect(registry.get("report", 3)).toBeUndefined();
    expect(registry.versions("report")).toEqual([v1, v2]);
    expect(registry.list()).toEqual([v2]);
    // A path names one export, so one version.
    expect(registry.get("reports.v1")).toBe(v1);
    expect(registry.get("reports.v1", 2)).toBeUndefined();

    const again = defineWorkflow({ name: "report", args, handler: async () => 0 });
    expect(() => new Registry({ modules: { reports: { v1 }, legacy: { again } } })).toThrow(
      'version 1 of the workflow "report" is registered twice: by reports.v1 and by legacy.again',
    );
    const action = defineAction({ name: "report", args, handler: () => 0 });
    expect(() => new Registry({ modules: { reports: { v1 }, jobs: { action } } })).toThrow('the name "report" is registered twice');
    expect(() => defineWorkflow({ name: "bad", version: 0, args, handler: async () => 0 })).toThrow("version must be a positive integer");
  });

  it("a definition exported twice keeps its first name and is found at both paths", () => {
    const shared = defineAction({ args, handler: () => 1 });
    const registry = new Registry({ modules: { jobs: { shared }, index: { shared } } });
    expect(shared.name).toBe("jobs.shared");
    expect(registry.resolve(anyApi.index.shared, "action")).toBe(shared);
  });

  it("resolves references by path, refuses unknown paths and the wrong kind", () => {
    const run = defineWorkflow({ args, handler: async () => 1 });
    const registry = new Registry({ modules: { flows: { run } } });
    expect(registry.resolve(anyApi.flows.run, "workflow")).toBe(run);
    expect(registry.resolve(referenceTo("flows.run"), "workflow")).toBe(run);
    expect(() => registry.resolve(anyApi.flows.missing, "workflow")).toThrow('nothing is registered as "flows.missing"');
    expect(() => registry.resolve(anyApi.flows.run, "action")).toThrow('"flows.run" is a workflow, not an action');
  });

  it("refuses, at load, a named definition no module registered (a step could run it; a retrier, a pool or a reference could not)", () => {
    const stray = defineMutation({ name: "ledger.stray", args, handler: () => null });
    expect(() => new Registry({ modules: {} }).assertNoneForgotten()).toThrow(/the mutation "ledger\.stray" \(.*registry\.unit\.test\.ts:\d+:\d+\)/);
    new Registry({ definitions: [stray] });
    // Other files of this process may leave definitions of their own: this test looks for its own only.
    expect(unregisteredDefinitions().filter((d) => d.includes("ledger.stray"))).toEqual([]);
  });

  it("refuses, at load, a definition no module registered, saying what and where it is", () => {
    const forgotten = defineAction({ args: z.object({ city: z.string() }), handler: () => 1 });
    const registry = new Registry({ modules: {} });
    expect(() => registry.assertNoneForgotten()).toThrow(/an unnamed action with args \{ city \} \(.*registry\.unit\.test\.ts:\d+:\d+\)/);
    // Using it anyway fails with the same description, not a silent run.
    expect(() => nameOf(forgotten)).toThrow(/has no name: export it from a module given to createStepwise/);
    new Registry({ modules: { late: { forgotten } } });
    expect(unregisteredDefinitions().filter((d) => d.includes("{ city }"))).toEqual([]);
    expect(forgotten.name).toBe("late.forgotten");
  });

  it("takes named definitions one by one, and refuses unnamed ones there", () => {
    const named = defineAction({ name: "one", args, handler: () => 1 });
    expect(new Registry({ definitions: [named] }).callable("one")).toBe(named);
    const unnamed = defineAction({ args, handler: () => 1 });
    expect(() => new Registry({ definitions: [unnamed] })).toThrow("definitions[0] has no name");
    new Registry({ modules: { m: { unnamed } } });
  });
});

describe("references", () => {
  it("are paths, and neither thenable nor JSON", () => {
    const ref = anyApi.agents.generate;
    expect(JSON.stringify({ ref })).toBe('{"ref":{}}');
    expect((ref as { then?: unknown }).then).toBeUndefined();
  });
});

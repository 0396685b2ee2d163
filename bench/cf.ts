// The Cloudflare Workflows side of the bench: the equivalent workflow and its /cf/* routes.
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";

export interface ChainParams {
  steps: number;
  waitAtEnd?: boolean;
}

export interface CfEnv {
  CF_CHAIN: Workflow<ChainParams>;
}

/** N trivial sequential steps, optionally followed by waiting for a "go" event. */
export class BenchChainWorkflow extends WorkflowEntrypoint<CfEnv, ChainParams> {
  override async run(event: Readonly<WorkflowEvent<ChainParams>>, step: WorkflowStep): Promise<number> {
    const { steps, waitAtEnd } = event.payload;
    for (let i = 0; i < steps; i++) await step.do("s" + i, async () => i);
    if (waitAtEnd) await step.waitForEvent("go", { type: "go", timeout: "1 hour" });
    return steps;
  }
}

/** Same vocabulary as our engine's run status, so the harness compares like with like. */
export type BenchStatus = "running" | "sleeping" | "waiting" | "completed" | "failed" | "canceled";

export function normalizeCfStatus(s: InstanceStatus["status"]): BenchStatus {
  switch (s) {
    case "complete":
      return "completed";
    case "errored":
      return "failed";
    case "terminated":
      return "canceled";
    case "waiting":
      return "waiting";
    default:
      return "running"; // queued, running, paused, waitingForPause, rollingBack, unknown
  }
}

export async function cfStatus(env: CfEnv, id: string): Promise<{ id: string; status: BenchStatus; raw: string; output?: unknown; error?: unknown }> {
  const st = await (await env.CF_CHAIN.get(id)).status();
  return { id, status: normalizeCfStatus(st.status), raw: st.status, output: st.output, error: st.error };
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** Routes under /cf/. Returns undefined when the path is not one of them. */
export async function handleCf(request: Request, env: CfEnv, url: URL): Promise<Response | undefined> {
  const parts = url.pathname.split("/").filter(Boolean); // ["cf", action, id?]
  if (parts[0] !== "cf") return undefined;
  const action = parts[1];
  const id = parts[2] !== undefined ? decodeURIComponent(parts[2]) : undefined;
  try {
    if (action === "start" && request.method === "POST") {
      const body = (await request.json()) as { id?: string; params: ChainParams };
      const t0 = Date.now();
      const inst = await env.CF_CHAIN.create(body.id !== undefined ? { id: body.id, params: body.params } : { params: body.params });
      return json({ id: inst.id, runId: inst.id, status: "running", createMs: Date.now() - t0 }, 201);
    }
    if (action === "status" && id !== undefined && request.method === "GET") {
      return json(await cfStatus(env, id));
    }
    if (action === "event" && id !== undefined && request.method === "POST") {
      const body = (await request.json()) as { type: string; payload?: unknown };
      await (await env.CF_CHAIN.get(id)).sendEvent({ type: body.type, payload: body.payload ?? null });
      return json({ ok: true }, 202);
    }
    // Local Workflows report "running" (not "waiting") while blocked in step.waitForEvent, so to know
    // that a run has completed its N steps we wait for the result of its last step through the local
    // binding's introspection hook (the one `cloudflare:test` uses). Setup only, never timed.
    if (action === "wait-step" && id !== undefined && request.method === "POST") {
      const { name, timeoutMs } = (await request.json()) as { name: string; timeoutMs?: number };
      const binding = env.CF_CHAIN as unknown as {
        unsafeWaitForStepResult?: (instanceId: string, name: string, index: number) => Promise<unknown>;
      };
      if (typeof binding.unsafeWaitForStepResult !== "function") return json({ error: "unsafeWaitForStepResult unavailable" }, 501);
      const timeout = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), timeoutMs ?? 120_000));
      const got = await Promise.race([binding.unsafeWaitForStepResult(id, name, 1).then((value) => ({ value })), timeout]);
      return got === "timeout" ? json({ error: "timeout" }, 504) : json({ ok: true, value: got.value });
    }
    return json({ error: "not found" }, 404);
  } catch (err) {
    return json({ error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }, 500);
  }
}

// Routes shared by the bench workers: /healthz, /cf/*, our engine's app (/api/*, /console*, /assets/*),
// /bench/statuses and /bench/seed-index.
import { cfStatus, handleCf, type BenchStatus, type CfEnv } from "./cf.ts";
import { type FloorEnv, floorFetch } from "./floor.ts";

/** Anything with Hono's `app.fetch` shape (our engine's HTTP app). */
export interface AppLike {
  fetch(request: Request, env?: never, ctx?: never): Response | Promise<Response>;
}

export interface BenchEnv extends CfEnv, FloorEnv {
  API_TOKEN?: string;
  RUN_INDEX?: DurableObjectNamespace<import("../src/engine/index.ts").RunIndex>;
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

async function oursStatus(app: AppLike, request: Request, env: BenchEnv, ctx: ExecutionContext, id: string): Promise<BenchStatus | string> {
  const url = new URL(`/api/runs/${encodeURIComponent(id)}?steps=none`, request.url);
  const res = await app.fetch(new Request(url, { headers: { authorization: `Bearer ${env.API_TOKEN ?? ""}` } }), env as never, ctx as never);
  if (!res.ok) return `http-${res.status}`;
  const body = (await res.json()) as { status?: string };
  return body.status ?? "unknown";
}

export async function benchFetch(request: Request, env: BenchEnv, ctx: ExecutionContext, ours: AppLike | undefined): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === "/healthz") return new Response("ok");
  // Our app: its API, and the console's pages and assets (bench/console.ts).
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/console") || url.pathname.startsWith("/assets/")) {
    if (!ours) return json({ error: "our engine is not wired into this bench worker" }, 501);
    return ours.fetch(request, env as never, ctx as never);
  }
  // The console bench fills the run index with `n` synthetic finished runs, as their objects would report them.
  if (url.pathname === "/bench/seed-index" && request.method === "POST" && env.RUN_INDEX) {
    const n = Number(url.searchParams.get("n") ?? 0);
    const index = env.RUN_INDEX.getByName("global");
    const t0 = Date.now() - n * 1000;
    for (let i = 0; i < n; i += 200) {
      await Promise.all(
        Array.from({ length: Math.min(200, n - i) }, (_, j) => {
          const k = i + j;
          const createdAt = t0 + k * 1000;
          const status = k % 10 === 0 ? "failed" : "completed";
          return index.upsert({
            runId: `seed_${String(k).padStart(6, "0")}`,
            workflow: "bench-chain",
            status,
            createdAt,
            updatedAt: createdAt + 250,
            version: 1,
          });
        }),
      );
    }
    return json({ seeded: n });
  }
  const floor = await floorFetch(request, env, url);
  if (floor !== null) return floor;
  const cf = await handleCf(request, env, url);
  if (cf) return cf;
  // Status of many runs in one round trip (used while 200 runs are in flight), same for both sides.
  if (url.pathname === "/bench/statuses" && request.method === "POST") {
    const { side, ids } = (await request.json()) as { side: "ours" | "cf"; ids: string[] };
    const statuses: Record<string, string> = {};
    await Promise.all(
      ids.map(async (id) => {
        try {
          if (side === "cf") statuses[id] = (await cfStatus(env, id)).status;
          else if (ours) statuses[id] = await oursStatus(ours, request, env, ctx, id);
          else statuses[id] = "unsupported";
        } catch (err) {
          statuses[id] = `error: ${err instanceof Error ? err.message : String(err)}`;
        }
      }),
    );
    return json({ statuses });
  }
  return json({ error: "not found" }, 404);
}

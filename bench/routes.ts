// Routes shared by the bench workers: /healthz, /cf/*, /api/* (our engine's app), /bench/statuses.
import { cfStatus, handleCf, type BenchStatus, type CfEnv } from "./cf.ts";

/** Anything with Hono's `app.fetch` shape (our engine's HTTP app). */
export interface AppLike {
  fetch(request: Request, env?: never, ctx?: never): Response | Promise<Response>;
}

export interface BenchEnv extends CfEnv {
  API_TOKEN?: string;
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
  if (url.pathname.startsWith("/api/")) {
    if (!ours) return json({ error: "our engine is not wired into this bench worker" }, 501);
    return ours.fetch(request, env as never, ctx as never);
  }
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

// Fuzz cases for the workflow and run routes: start, list, read, signal, cancel, restart, pause and
// resume, events (SSE and the upgrade of the WebSocket). A case aimed at a sentinel run is always refused (bad auth, method or body).
import { restartShape, signalShape, startShape, startShapeInvalid, universallyInvalid, withContentType, type Body } from "./bodies.ts";
import type { CaseContext, FuzzCase } from "./driver.ts";
import { THROWAWAY_WORKFLOW, type Fixtures } from "./fixtures.ts";
import { asUpgrade, carriesBody, expectation, idSegment, parts, request } from "./parts.ts";
import type { Rng } from "./prng.ts";
import { hex, hostileQuery, hostileQueryValue, hostileSegment, idempotencyKey, PROTO_NAMES } from "./values.ts";

const START = "POST /api/workflows/:name/runs";
/** Workflows other than the throwaway one that starts are aimed at (with bodies they all refuse). */
const OTHER_WORKFLOWS = ["waiter", "completes", "approval-gate", "sleepy-greeting", "double"];

function sentinelRuns(fx: Fixtures) {
  return [
    { id: fx.sentinel.waiting, name: "run:waiting" },
    { id: fx.sentinel.completed, name: "run:completed" },
    { id: fx.sentinel.approval.runId, name: "run:approval" },
  ];
}

function knownRuns(fx: Fixtures) {
  return [...sentinelRuns(fx), ...fx.throwaway.waiters.map((id) => ({ id, name: "throwaway" }))];
}

function runSegment(ctx: CaseContext) {
  const target = idSegment(ctx.rng, knownRuns(ctx.fx), () => `run_${hex(ctx.rng, 32)}`);
  if (target.name.startsWith("run:")) ctx.touch(target.name);
  return target;
}

/** A body for a case aimed at a sentinel: when nothing else refuses the request, the body must. */
function guardedBody(body: Body, mustRefuse: boolean, invalid: () => Body): Body {
  return mustRefuse && body.validity !== "invalid" ? invalid() : body;
}

function decoded(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    return seg;
  }
}

const start: FuzzCase = async (ctx) => {
  const { rng, fx } = ctx;
  const kind = rng.weighted([
    [4, "throwaway"],
    [2, "other"],
    [2, "unknown"],
  ] as const);
  let name = THROWAWAY_WORKFLOW;
  if (kind === "throwaway" && rng.chance(0.2)) name = "await%2Dapproval";
  // Only harmless ones: a wrongly accepted start of `hanging` would leave an action hanging until the end.
  if (kind === "other") {
    name = rng.pick(fx.workflows.filter((w) => OTHER_WORKFLOWS.includes(w)));
    ctx.touch("run-list:counts");
  }
  if (kind === "unknown") {
    name = rng.chance(0.5) ? rng.pick(PROTO_NAMES) : hostileSegment(rng);
    if (fx.workflows.includes(decoded(name))) name = `zz-${name}`;
  }
  const p = parts(rng, ["POST"], "required");
  // Other workflows are counted in the sentinel snapshot: only bodies every workflow refuses go there.
  const body = kind === "other" ? withContentType(rng, startShapeInvalid(rng)) : withContentType(rng, startShape(rng));
  const key = idempotencyKey(rng);
  const req = request(p, {
    route: START,
    path: `/api/workflows/${name}/runs`,
    headers: { "content-type": body.contentType, "idempotency-key": key },
    body: carriesBody(p.method) ? body.text : null,
    expect: expectation(p.refused, kind === "unknown", carriesBody(p.method) && body.validity === "invalid"),
    tags: [`wf:${kind}`, ...body.tags, ...(key === null ? [] : [`key:${JSON.stringify(key).slice(0, 20)}`])],
  });
  await ctx.send(req);
};

/** The same Idempotency-Key with other args: the second start must be refused (run.idempotency_conflict). */
const startReusedKey: FuzzCase = async (ctx) => {
  const key = `fuzz-${ctx.caseNo}-${hex(ctx.rng, 8)}`;
  const args = (request: string) => JSON.stringify({ args: { request } });
  const headers = { authorization: "Bearer test-token", "content-type": "application/json", "idempotency-key": key };
  const first = await ctx.send({
    route: START,
    method: "POST",
    path: `/api/workflows/${THROWAWAY_WORKFLOW}/runs`,
    headers,
    body: args("first"),
    tags: ["key:reused"],
  });
  if (first === null || first.status >= 300) return;
  await ctx.send({
    route: START,
    method: "POST",
    path: `/api/workflows/${THROWAWAY_WORKFLOW}/runs`,
    headers,
    body: args(ctx.rng.pick(["second", "First", "first "])),
    expect: "reject",
    tags: ["key:reused-other-args"],
  });
  await ctx.send({
    route: START,
    method: "POST",
    path: `/api/workflows/${THROWAWAY_WORKFLOW}/runs`,
    headers,
    body: args("first"),
    tags: ["key:reused-same-args"],
  });
};

const listRuns: FuzzCase = async (ctx) => {
  const p = parts(ctx.rng, ["GET"], "required");
  await ctx.send(
    request(p, {
      route: "GET /api/runs",
      path: `/api/runs${hostileQuery(ctx.rng, ["workflow", "status", "limit", "cursor"])}`,
      expect: expectation(p.refused),
    }),
  );
};

const listWorkflows: FuzzCase = async (ctx) => {
  const p = parts(ctx.rng, ["GET"], "required");
  await ctx.send(request(p, { route: "GET /api/workflows", path: `/api/workflows${hostileQuery(ctx.rng, ["x"])}`, expect: expectation(p.refused) }));
};

const getRun: FuzzCase = async (ctx) => {
  const t = runSegment(ctx);
  const p = parts(ctx.rng, ["GET"], "required");
  await ctx.send(
    request(p, {
      route: "GET /api/runs/:runId",
      // `wait` only where no live run could hold the read (up to a minute): an unknown or malformed id.
      path: `/api/runs/${t.seg}${hostileQuery(ctx.rng, t.name === "unknown" || t.name === "hostile" ? ["steps", "wait"] : ["steps"])}`,
      expect: expectation(p.refused, t.name === "unknown"),
      tags: [`run:${t.name}`],
    }),
  );
};

function signalName(rng: Rng): string {
  return rng.weighted<() => string>([
    [4, () => rng.pick(["go", "approval"])],
    [2, () => rng.pick([...PROTO_NAMES, "x", "a.b:c-d_e", "a".repeat(100)])],
    [2, () => hostileSegment(rng)],
  ])();
}

const signal: FuzzCase = async (ctx) => {
  const { rng } = ctx;
  const t = runSegment(ctx);
  const sentinel = t.name.startsWith("run:");
  const p = parts(rng, ["POST"], sentinel && rng.chance(0.3) ? "bad" : "required");
  const body = guardedBody(withContentType(rng, signalShape(rng)), sentinel && !p.refused, () =>
    withContentType(rng, rng.chance(0.3) ? { text: '{"payload":null}', validity: "invalid", tag: "body:null-payload" } : universallyInvalid(rng)),
  );
  const name = signalName(rng);
  const key = idempotencyKey(rng);
  const send = (b: Body, extraTags: string[] = []) =>
    ctx.send(
      request(p, {
        route: "POST /api/runs/:runId/signals/:signal",
        path: `/api/runs/${t.seg}/signals/${name}`,
        headers: { "content-type": b.contentType, "idempotency-key": key },
        body: carriesBody(p.method) ? b.text : null,
        expect: expectation(p.refused, t.name !== "throwaway", carriesBody(p.method) && b.validity === "invalid"),
        tags: [`run:${t.name}`, ...b.tags, ...extraTags, ...(key === null ? [] : ["key:odd"])],
      }),
    );
  await send(body);
  // The same key again with another payload, on a throwaway run only (a valid one would change the run).
  if (t.name === "throwaway" && key !== null && rng.chance(0.5)) await send(withContentType(rng, signalShape(rng)), ["key:reused"]);
};

/** README: a repeat with the same key, name and payload returns the first; another name or payload is a 409. */
const signalReusedKey: FuzzCase = async (ctx) => {
  const { rng, fx } = ctx;
  const runId = rng.pick(fx.throwaway.waiters);
  const key = `fuzz-${ctx.caseNo}-${hex(rng, 8)}`;
  const headers = { authorization: "Bearer test-token", "content-type": "application/json", "idempotency-key": key };
  const send = (name: string, payload: string, expect: "reject" | "any", tag: string) =>
    ctx.send({
      route: "POST /api/runs/:runId/signals/:signal",
      method: "POST",
      path: `/api/runs/${runId}/signals/${name}`,
      headers,
      body: `{"payload":${payload}}`,
      expect,
      tags: [`key:${tag}`],
    });
  const first = await send("go", '{"n":1}', "any", "first");
  if (first === null || first.status >= 300) return;
  const other = rng.pick([
    ["go", rng.pick(['{"n":2}', '{"n":"1"}', '[{"n":1}]', "true", '"x"'])],
    [rng.pick(["other", "Go", "go."]), '{"n":1}'],
  ] as const);
  await send(other[0], other[1], "reject", other[0] === "go" ? "reused-other-payload" : "reused-other-signal");
  await send("go", '{"n":1}', "any", "repeated");
};

/** Starts a throwaway waiting run of the fuzz's own (well-formed, with the token); its id, or null if the start failed. */
async function startThrowaway(ctx: Parameters<FuzzCase>[0], request: string): Promise<string | null> {
  const started = await ctx.send({
    route: START,
    method: "POST",
    path: `/api/workflows/${THROWAWAY_WORKFLOW}/runs`,
    headers: { authorization: "Bearer test-token", "content-type": "application/json" },
    body: JSON.stringify({ args: { request } }),
  });
  const body = started?.json;
  if (typeof body !== "object" || body === null || !("runId" in body) || typeof body.runId !== "string") return null;
  return body.runId;
}

const cancel: FuzzCase = async (ctx) => {
  const { rng } = ctx;
  const own = rng.chance(0.3);
  let seg: string;
  let name: string;
  if (own) {
    const runId = await startThrowaway(ctx, "to cancel");
    if (runId === null) return;
    seg = runId;
    name = "own";
  } else {
    ({ seg, name } = runSegment(ctx));
  }
  const sentinel = name.startsWith("run:");
  // A cancel has no body to make it invalid: one aimed at a sentinel (or a throwaway waiter other cases signal) carries a bad token.
  const p = parts(rng, ["POST"], sentinel || name === "throwaway" ? "bad" : "required");
  const body = carriesBody(p.method) && rng.chance(0.3) ? withContentType(rng, universallyInvalid(rng)) : null;
  const send = (tags: string[], mustRefuse: boolean) =>
    ctx.send(
      request(p, {
        route: "POST /api/runs/:runId/cancel",
        path: `/api/runs/${seg}/cancel${rng.chance(0.2) ? hostileQuery(rng, ["force"]) : ""}`,
        headers: { "content-type": body?.contentType ?? null },
        body: body?.text ?? null,
        expect: expectation(p.refused, mustRefuse),
        tags: [`run:${name}`, ...tags, ...(body?.tags ?? [])],
      }),
    );
  const first = await send([], name !== "own");
  if (own && first !== null && first.status === 200) await send(["again"], true);
};

/**
 * Restart, pause, resume. A run of its own (waiting) may be paused and resumed; its restart is refused
 * as it is live, whatever the body. Aimed at a sentinel or a throwaway waiter, the token is bad.
 */
const repair: FuzzCase = async (ctx) => {
  const { rng } = ctx;
  const action = rng.pick(["restart", "pause", "resume"] as const);
  let seg: string;
  let name: string;
  if (rng.chance(0.3)) {
    const runId = await startThrowaway(ctx, "to repair");
    if (runId === null) return;
    seg = runId;
    name = "own";
  } else {
    ({ seg, name } = runSegment(ctx));
  }
  const p = parts(rng, ["POST"], name.startsWith("run:") || name === "throwaway" ? "bad" : "required");
  const shape = action === "restart" ? restartShape(rng) : rng.chance(0.3) ? universallyInvalid(rng) : null;
  const body = carriesBody(p.method) && shape !== null ? withContentType(rng, shape) : null;
  await ctx.send(
    request(p, {
      route: `POST /api/runs/:runId/${action}`,
      path: `/api/runs/${seg}/${action}${rng.chance(0.2) ? hostileQuery(rng, ["fromStep"]) : ""}`,
      headers: { "content-type": body?.contentType ?? null },
      body: body?.text ?? null,
      expect: expectation(p.refused, name !== "own" || action === "restart"),
      tags: [`run:${name}`, ...(body?.tags ?? [])],
    }),
  );
};

const events: FuzzCase = async (ctx) => {
  const { rng } = ctx;
  const t = runSegment(ctx);
  const p = parts(rng, ["GET"], "required");
  const lastEventId = rng.chance(0.4) ? hostileQueryValue(rng) : null;
  await ctx.send(
    request(p, {
      route: "GET /api/runs/:runId/events",
      path: `/api/runs/${t.seg}/events${hostileQuery(rng, ["after"])}`,
      headers: { "last-event-id": lastEventId, accept: rng.pick([null, "text/event-stream", "application/json"]) },
      expect: expectation(p.refused, t.name === "unknown"),
      tags: [`run:${t.name}`, ...(lastEventId === null ? [] : ["last-event-id"])],
    }),
  );
};

const runSocketUpgrade: FuzzCase = async (ctx) => {
  const { rng } = ctx;
  const t = runSegment(ctx);
  const upgrade = rng.pick([null, "websocket", "WebSocket", "h2c", "", "websocket, h2c"]);
  const p = asUpgrade(parts(rng, ["GET"], "required"), upgrade);
  await ctx.send(
    request(p, {
      route: "GET /api/runs/:runId/ws",
      path: `/api/runs/${t.seg}/ws${hostileQuery(rng, ["after"])}`,
      headers: { upgrade },
      expect: expectation(p.refused, t.name === "unknown", upgrade?.toLowerCase() !== "websocket"),
      tags: [`run:${t.name}`, `upgrade:${upgrade ?? "none"}`],
    }),
  );
};

export const runCases: readonly (readonly [number, FuzzCase])[] = [
  [6, start],
  [1, startReusedKey],
  [2, listRuns],
  [1, listWorkflows],
  [2, getRun],
  [7, signal],
  [1, signalReusedKey],
  [3, cancel],
  [2, repair],
  [2, events],
  [2, runSocketUpgrade],
];

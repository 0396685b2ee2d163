// Fuzz cases for the routes that hold no data or send a stranger to sign in: /, /healthz, the API
// reference, the chat pages, the pages' assets; and made-up paths under /api, which must still answer problem+json.
import { ORIGIN, type FuzzCase } from "./driver.ts";
import { carriesBody, expectation, parts, request } from "./parts.ts";
import { hostileQuery, hostileSegment, METHODS, PROTO_NAMES } from "./values.ts";
import { universallyInvalid, withContentType } from "./bodies.ts";

const PUBLIC = ["/", "/healthz", "/api/openapi.json", "/api/docs", "/chat"] as const;
const ASSETS = ["chat.js", "chat.css", "console.js", "console.css"] as const;

const publicPage: FuzzCase = async (ctx) => {
  const { rng } = ctx;
  const path = rng.pick(PUBLIC);
  const p = parts(rng, ["GET"], "ignored");
  await ctx.send(request(p, { route: `GET ${path}`, path: `${path}${hostileQuery(rng, ["x", "token"])}`, expect: expectation(p.refused) }));
};

const chatPage: FuzzCase = async (ctx) => {
  const { rng, fx } = ctx;
  const id = rng.pick([fx.sentinel.thread, fx.throwaway.threads[0]!, hostileSegment(rng), rng.pick(PROTO_NAMES)]);
  const p = parts(rng, ["GET"], "ignored");
  await ctx.send(request(p, { route: "GET /chat/:threadId", path: `/chat/${id}${hostileQuery(rng, ["x"])}`, expect: expectation(p.refused) }));
};

const pageAsset: FuzzCase = async (ctx) => {
  const { rng } = ctx;
  const known = rng.chance(0.3);
  const name = known ? rng.pick(ASSETS) : rng.chance(0.6) ? rng.pick(PROTO_NAMES) : hostileSegment(rng);
  const p = parts(rng, ["GET"], "ignored");
  const path = `/assets/${name}`;
  // A name the URL parser resolves away (`..`, `\\`) leaves the assets route: only names that stay one segment must be refused.
  const staysAnAsset = /^\/assets\/[^/]+$/.test(new URL(`${ORIGIN}${path}`).pathname);
  const unknown = !ASSETS.some((a) => a === name) && staysAnAsset;
  await ctx.send(request(p, { route: "GET /assets/:name", path, expect: expectation(p.refused, unknown), tags: [known ? "asset:known" : "asset:unknown"] }));
};

const madeUpApiPath: FuzzCase = async (ctx) => {
  const { rng } = ctx;
  const segments = Array.from({ length: rng.int(1, 4) }, () => hostileSegment(rng));
  const method = rng.pick(METHODS);
  const p = { ...parts(rng, ["GET"], "ignored"), method, badMethod: false, refused: false };
  const body = carriesBody(method) && rng.chance(0.5) ? withContentType(rng, universallyInvalid(rng)) : null;
  await ctx.send(
    request(p, {
      route: "ANY /api/*",
      path: `/api/${segments.join("/")}${hostileQuery(rng, ["limit", "cursor"])}`,
      headers: { "content-type": body?.contentType ?? null },
      body: body?.text ?? null,
      tags: body?.tags ?? [],
    }),
  );
};

export const pageCases: readonly (readonly [number, FuzzCase])[] = [
  [2, publicPage],
  [1, chatPage],
  [2, pageAsset],
  [2, madeUpApiPath],
];

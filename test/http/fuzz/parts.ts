// Pieces every HTTP case draws: a method for the route (mostly its own), an Authorization header, a
// request id segment, and the expectation they add up to (anything surely invalid means "reject").
import type { FuzzRequest } from "./driver.ts";
import type { Expectation } from "./oracle.ts";
import type { Rng } from "./prng.ts";
import { authHeader, badAuthHeader, hostileSegment, METHODS, methodAllowed, type AuthClass } from "./values.ts";

export interface Parts {
  method: string;
  headers: Record<string, string | null>;
  tags: string[];
  /** The method is not the route's. */
  badMethod: boolean;
  /** The route needs the token and the header surely is not it. */
  badAuth: boolean;
  /** Either: the request must be refused. */
  refused: boolean;
}

/**
 * workerd sends a request carrying `Upgrade: websocket` as a GET whatever its method (the handshake is
 * a GET), so for such a request the method drawn is not what the app sees.
 */
export function asUpgrade(p: Parts, upgrade: string | null): Parts {
  if (upgrade === null || !/^websocket$/i.test(upgrade)) return p;
  return { ...p, badMethod: false, refused: p.badAuth };
}

/**
 * The route's method most of the time, else any. `auth`: "required" (a bad header means refused),
 * "ignored" (the route reads no header, but one is sent anyway), "bad" (a header that is never the token).
 */
export function parts(rng: Rng, allowed: readonly string[], auth: "required" | "ignored" | "bad"): Parts {
  const method = rng.chance(0.85) ? rng.pick(allowed) : rng.pick(METHODS);
  const tags: string[] = [];
  const badMethod = !methodAllowed(method, allowed);
  if (badMethod) tags.push(`method:${method}`);
  const a: { value: string | null; cls: AuthClass } = auth === "bad" ? { value: badAuthHeader(rng), cls: "bad" } : authHeader(rng);
  if (a.cls !== "ok") tags.push(`auth:${a.cls}`);
  const badAuth = a.cls === "bad" && auth !== "ignored";
  return { method, headers: { authorization: a.value }, tags, badMethod, badAuth, refused: badMethod || badAuth };
}

export function expectation(...refusals: boolean[]): Expectation {
  return refusals.some((r) => r) ? "reject" : "any";
}

/** Whether a method can carry a body (fetch refuses one on GET and HEAD). */
export function carriesBody(method: string): boolean {
  return !["GET", "HEAD"].includes(method.toUpperCase());
}

/** A path segment for an id: a sentinel or throwaway one, an unknown well-formed one, or hostile. */
export function idSegment(rng: Rng, known: readonly { id: string; name: string }[], unknown: () => string): { seg: string; name: string } {
  return rng.weighted<() => { seg: string; name: string }>([
    [
      5,
      () => {
        const k = rng.pick(known);
        return { seg: k.id, name: k.name };
      },
    ],
    [2, () => ({ seg: unknown(), name: "unknown" })],
    [3, () => ({ seg: hostileSegment(rng), name: "hostile" })],
  ])();
}

/** A request with the parts merged in. */
export function request(p: Parts, r: Omit<FuzzRequest, "method" | "headers"> & { headers?: Record<string, string | null> }): FuzzRequest {
  return { ...r, method: p.method, headers: { ...p.headers, ...r.headers }, tags: [...p.tags, ...(r.tags ?? [])] };
}

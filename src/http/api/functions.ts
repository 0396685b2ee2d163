// Public actions and mutations, called from outside: `POST /api/functions/{name}` runs one in this
// request and answers its value. Internal ones (the default) are not reachable here. A mutation's
// idempotency key comes from the Idempotency-Key header, so a retried call writes once.
import { Hono } from "hono";
import { z } from "zod";
import { StepwiseError, withCalls, type AnyCallable, type Registry } from "../../engine/index.ts";
import { issueDetails, log, loggedError, mintId, tryEncode } from "../../kernel/index.ts";
import { headerKey, jsonBody, params, underBody } from "../validators.ts";
import { CallBody, FunctionName } from "./schemas.ts";

export function functionRoutes(registry: Registry) {
  const publicOnes = () => registry.callables().filter((f) => f.visibility === "public");
  return new Hono<{ Bindings: Env }>()
    .get("/functions", (c) =>
      c.json({
        functions: publicOnes().map((f) => ({
          name: f.name,
          kind: f.type,
          args: z.toJSONSchema(f.args, { io: "input", unrepresentable: "any" }) as Record<string, unknown>,
        })),
      }),
    )
    .post("/functions/:name", params(z.object({ name: FunctionName })), jsonBody(CallBody), async (c) => {
      const { name } = c.req.valid("param");
      const def = registry.callable(name);
      if (def === undefined || def.visibility !== "public") throw new StepwiseError("function.not_found", `no public action or mutation named "${name}"`);
      const parsed = def.args.safeParse(c.req.valid("json").args ?? {});
      if (!parsed.success) {
        const invalid = new StepwiseError("function.invalid_args", `invalid args for "${def.name}"`, { details: issueDetails(parsed.error) });
        throw underBody(invalid, invalid.code, "args");
      }
      const key = headerKey(c.req.header("idempotency-key")) ?? mintId("call");
      const value = await call(
        def,
        parsed.data,
        {
          env: c.env,
          runId: `call:${key}`,
          seq: 0,
          attempt: 1,
          signal: c.req.raw.signal,
          idempotencyKey: `call:${def.name}:${key}`,
        },
        registry,
      );
      const encoded = tryEncode(value ?? null, "the function's value");
      if (!encoded.ok) throw StepwiseError.fromJSON(encoded.error);
      return c.body(`{"value":${encoded.value ?? "null"}}`, 200, { "content-type": "application/json" });
    });
}

async function call(def: AnyCallable, args: unknown, base: Parameters<typeof withCalls>[0], registry: Registry): Promise<unknown> {
  try {
    return await def.handler(withCalls(base, registry), args);
  } catch (err) {
    // A StepwiseError is the function's own word (its code and message); anything else is not disclosed.
    if (err instanceof StepwiseError) throw new StepwiseError("function.failed", `"${def.name}" failed: ${err.code}: ${err.message}`);
    log.error("a public function threw", { function: def.name, error: loggedError(err, { withMessage: false }) });
    throw new StepwiseError("function.failed", `"${def.name}" failed`);
  }
}

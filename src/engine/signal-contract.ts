// A typed wait's payload contract, made from its zod schema in the handler: the JSON Schema the journal
// keeps (so the run object checks signals without the handler), and the parse that types the payload.
import { z } from "zod";
import { issueDetails, issueSummary, jsonSchemaIssues, NonRetryableError, type JsonSchema } from "../kernel/index.ts";
import type { SignalContract } from "./core/step-machine.ts";

/** Made once per schema object: a wait in a loop journals the same JSON Schema without converting it again. */
const contracts = new WeakMap<z.ZodType, SignalContract>();

/**
 * The contract of a wait on `schema`. The JSON Schema describes the schema's input (`io: "input"`: a
 * field with a default may be left out). What JSON Schema cannot say becomes `{}` (any value) in it:
 * refinements, transforms' code, dates, bigints and the like. The run object's check, made without
 * the handler, is looser there; `check`, made with it, runs the zod schema too.
 */
export function signalContract(schema: z.ZodType): SignalContract {
  let contract = contracts.get(schema);
  if (contract === undefined) {
    const jsonSchema = z.toJSONSchema(schema, { io: "input", unrepresentable: "any", target: "draft-2020-12" }) as JsonSchema;
    contract = {
      jsonSchema,
      check(payload) {
        const issues = jsonSchemaIssues(jsonSchema, payload);
        if (issues.length > 0) return issues;
        const parsed = schema.safeParse(payload);
        return parsed.success ? null : issueDetails(parsed.error).issues;
      },
    };
    contracts.set(schema, contract);
  }
  return contract;
}

/**
 * The payload a typed wait returns: parsed by its zod schema, so defaults and transforms apply. A payload
 * the run object let through that zod refuses (only a refinement JSON Schema cannot express, checked while
 * no handler held the wait, or a schema changed by a deploy since) rejects the wait with a non-retryable
 * `signal.invalid_payload`; the journal keeps the payload, so a replay rejects it the same way.
 */
export function parseSignalPayload(schema: z.ZodType, name: string, payload: unknown): unknown {
  const parsed = schema.safeParse(payload);
  if (parsed.success) return parsed.data;
  throw new NonRetryableError(`the payload of signal "${name}" does not match the wait's schema: ${issueSummary(parsed.error)}`, {
    code: "signal.invalid_payload",
    details: issueDetails(parsed.error),
  });
}

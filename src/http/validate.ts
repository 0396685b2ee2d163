// Parsing at the HTTP boundary through zod: failures become StepwiseErrors whose details carry the
// failing paths (rendered as JSON Pointers in problem+json).
import type { z } from "zod";
import { StepwiseError } from "../engine/index.ts";
import { issueDetails } from "../kernel/index.ts";

export function parseWith<S extends z.ZodType>(schema: S, raw: unknown, message: string): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new StepwiseError("request.invalid", message, { details: issueDetails(parsed.error) });
}

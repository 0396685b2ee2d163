// A refusal from the API (problem+json), read on the command line's side: parsed, then printed as its
// message and code with one line per failing path. The Worker's own schema is not imported at run time.
import { z } from "zod";

/** The fields the command line shows; the rest of the document is kept for --json. */
export const Problem = z.looseObject({
  code: z.string(),
  detail: z.string(),
  status: z.number().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type Problem = z.infer<typeof Problem>;

/**
 * The lines stderr shows for a problem.
 * @example
 * formatProblem({ code: "signal.invalid_payload", detail: "invalid payload", errors: [{ path: "/payload/approved", message: "Invalid input" }] });
 * // ["error: invalid payload (signal.invalid_payload)", "  /payload/approved: Invalid input"]
 */
export function formatProblem(p: Problem): string[] {
  const lines = [`error: ${p.detail} (${p.code})`];
  for (const e of p.errors ?? []) lines.push(`  ${e.path === "" ? "/" : e.path}: ${e.message}`);
  return lines;
}

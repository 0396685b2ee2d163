// A refusal as stderr shows it: its message and code, then one line per failing path.
import { describe, expect, it } from "vitest";
import { formatProblem, Problem } from "../../src/cli/problem.ts";

describe("formatProblem", () => {
  it("prints the message and code, then each failing path", () => {
    const problem = Problem.parse({
      type: "urn:stepwise:problem:signal.invalid_payload",
      title: "signal.invalid_payload",
      status: 400,
      detail: "the payload does not match the schema of the wait",
      code: "signal.invalid_payload",
      errors: [
        { path: "/payload/approved", message: 'Instance type "string" is invalid. Expected "boolean".' },
        { path: "", message: "the whole body" },
      ],
    });
    expect(formatProblem(problem)).toEqual([
      "error: the payload does not match the schema of the wait (signal.invalid_payload)",
      '  /payload/approved: Instance type "string" is invalid. Expected "boolean".',
      "  /: the whole body",
    ]);
  });

  it("keeps the fields it does not show, for --json", () => {
    const problem = Problem.parse({ code: "run.already_restarted", detail: "restarted already", restartedAs: "run_1:r2", title: "t" });
    expect(problem).toMatchObject({ restartedAs: "run_1:r2", title: "t" });
    expect(formatProblem(problem)).toEqual(["error: restarted already (run.already_restarted)"]);
  });
});

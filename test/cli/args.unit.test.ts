// The command line's grammar: which command argv names, its flags and arguments, help in its three
// spellings, and each misuse refused as a UsageError (exit 2) that names the command.
import { describe, expect, it } from "vitest";
import { intArgument, jsonArgument, parseCommandLine } from "../../src/cli/args.ts";
import { COMMANDS } from "../../src/cli/commands/index.ts";
import { EXIT, UsageError } from "../../src/cli/exit-codes.ts";

const parse = (...argv: string[]) => parseCommandLine(argv, COMMANDS);

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return err as UsageError;
  }
  throw new Error("no UsageError was thrown");
}

describe("parseCommandLine", () => {
  it.each([
    [["start", "greet", "--args", '{"a":1}', "--wait"], "start", { args: '{"a":1}', wait: true }, ["greet"]],
    [["--json", "runs", "--status", "waiting"], "runs", { json: true, status: "waiting" }, []],
    [["--url", "runs", "show", "run_1"], "show", { url: "runs" }, ["run_1"]],
    [
      ["signal", "run_1", "approval", '{"approved":true}', "--idempotency-key", "k"],
      "signal",
      { "idempotency-key": "k" },
      ["run_1", "approval", '{"approved":true}'],
    ],
    [["restart", "run_1", "--from-step=2", "--version", "3"], "restart", { "from-step": "2", version: "3" }, ["run_1"]],
    [["events", "run_1", "--after=-1"], "events", { after: "-1" }, ["run_1"]],
  ])("%j runs %s", (argv, name, options, args) => {
    const parsed = parse(...argv);
    expect(parsed).toMatchObject({ kind: "command", command: { name }, options, args });
  });

  it.each([[["--help"]], [["-h"]], [["help"]]])("%j asks for the main help", (argv) => {
    expect(parse(...argv)).toEqual({ kind: "help", command: undefined });
  });

  it.each([[["help", "start"]], [["start", "--help"]], [["start", "-h", "--nope"]]])("%j asks for the help of start", (argv) => {
    expect(parse(...argv)).toMatchObject({ kind: "help", command: { name: "start" } });
  });

  it.each([
    [[], undefined, /no command given/],
    [["bogus"], undefined, /unknown command "bogus"/],
    [["help", "bogus"], undefined, /unknown command "bogus"/],
    [["start"], "start", /missing <workflow>/],
    [["signal", "run_1"], "signal", /missing <name>/],
    [["runs", "--nope"], "runs", /Unknown option '--nope'/],
    [["start", "greet", "--wait=yes"], "start", /does not take an argument/],
    [["start", "greet", "--args"], "start", /argument missing/],
    [["events", "run_1", "--after", "-1"], "events", /ambiguous/],
  ])("%j is bad usage", (argv, command, message) => {
    const err = usageError(() => parse(...argv));
    expect(err.exit).toBe(EXIT.usage);
    expect(err.command).toBe(command);
    expect(err.message).toMatch(message);
  });

  it("does not echo an extra argument, which may be a token given without its flag", () => {
    const err = usageError(() => parse("show", "run_1", "s3cret-token"));
    expect(err.message).toBe("too many arguments (it takes <runId>)");
    expect(err.message).not.toContain("s3cret");
  });
});

describe("argument values", () => {
  it("parses JSON, or says which argument is not JSON and why", () => {
    expect(jsonArgument("--args", '{"name":"Ada"}')).toEqual({ name: "Ada" });
    expect(jsonArgument("payload-json", "true")).toBe(true);
    const err = usageError(() => jsonArgument("--args", "{name: Ada}"));
    expect(err.message).toMatch(/^--args is not valid JSON: .*property name/);
  });

  it.each([
    ["3", 1, 3],
    [" 0 ", 0, 0],
  ])("reads %j (at least %i) as %i", (text, min, n) => {
    expect(intArgument("--limit", text, min)).toBe(n);
  });

  it.each([
    ["0", 1],
    ["1.5", 0],
    ["two", 0],
    ["", 0],
    ["-1", 0],
    ["99999999999999999999", 0],
  ])("refuses %j (at least %i)", (text, min) => {
    expect(usageError(() => intArgument("--version", text, min)).message).toMatch(/^--version must be a whole number/);
  });
});

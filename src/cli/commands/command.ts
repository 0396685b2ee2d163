// What every command gets (the connection, the typed client, output) and what it is: a spec for the
// parser and help, and a run that returns the exit code.
import type { Api } from "../api.ts";
import type { CommandSpec, OptionValues } from "../args.ts";
import type { Connection } from "../config.ts";
import type { ExitCode } from "../exit-codes.ts";

export interface Context {
  conn: Connection;
  api: Api;
  /** --json: print the API's JSON, not text. */
  json: boolean;
  /** JSON text for --json output: indented on a terminal, one line in a pipe. */
  stringify(value: unknown): string;
  /** One line to stdout. */
  out(line: string): void;
  /** One line to stderr. */
  err(line: string): void;
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface Input {
  options: OptionValues;
  args: readonly string[];
}

export interface Command extends CommandSpec {
  /** Checks its flags' values first (a UsageError before any request), then calls the API. */
  run(ctx: Context, input: Input): Promise<ExitCode>;
}

/** The API's JSON with --json, else the human lines. */
export function print(ctx: Context, json: unknown, lines: () => string[]): void {
  if (ctx.json) ctx.out(ctx.stringify(json));
  else for (const line of lines()) ctx.out(line);
}

/** A string flag's value, if given. */
export function stringOption(input: Input, name: string): string | undefined {
  const v = input.options[name];
  return typeof v === "string" ? v : undefined;
}

/** The nth argument; the parser has checked that the required ones are there. */
export function arg(input: Input, n: number): string {
  return input.args[n] ?? "";
}

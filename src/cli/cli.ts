// The command line as a function: argv, environment and output streams in, an exit code out. main.ts
// wires it to the process; the tests call it directly or run main.ts as a child.
import { ApiError, createApi } from "./api.ts";
import { parseCommandLine } from "./args.ts";
import { COMMANDS } from "./commands/index.ts";
import { resolveConnection } from "./config.ts";
import { CliError, EXIT, type ExitCode, UsageError } from "./exit-codes.ts";
import { commandHelp, mainHelp } from "./help.ts";

export interface Io {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  out(line: string): void;
  err(line: string): void;
  now(): number;
  sleep(ms: number): Promise<void>;
  fetch?: typeof fetch;
  /** Whether stdout is a terminal: --json is indented for reading there, and one line per document in a pipe (for `sed`, `jq`, `grep`). */
  tty?: boolean;
}

/**
 * Runs one command line to its end.
 * @example
 * process.exitCode = await runCli({ argv: process.argv.slice(2), env: process.env, cwd: process.cwd(), out: console.log, err: console.error, now: Date.now, sleep });
 */
export async function runCli(io: Io): Promise<ExitCode> {
  let json = false;
  const stringify = (value: unknown) => (io.tty === true ? JSON.stringify(value, null, 2) : JSON.stringify(value));
  let command: string | undefined;
  try {
    const parsed = parseCommandLine(io.argv, COMMANDS);
    if (parsed.kind === "help") {
      for (const line of parsed.command === undefined ? mainHelp(COMMANDS) : commandHelp(parsed.command)) io.out(line);
      return EXIT.ok;
    }
    json = parsed.options.json === true;
    command = parsed.command.name;
    const flag = (name: string) => (typeof parsed.options[name] === "string" ? String(parsed.options[name]) : undefined);
    const conn = resolveConnection({ flags: { url: flag("url"), token: flag("token") }, env: io.env, cwd: io.cwd });
    const api = createApi(conn, io.fetch);
    return await parsed.command.run({ conn, api, json, stringify, out: io.out, err: io.err, now: io.now, sleep: io.sleep }, parsed);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    // With --json, a refusal's problem document is the output (its hint, if any, still goes to stderr).
    if (json && err instanceof ApiError && err.document !== undefined) {
      io.out(stringify(err.document));
      if (err.hint !== undefined) io.err(err.hint);
      return err.exit;
    }
    if (!(err instanceof UsageError)) {
      for (const line of err.message.split("\n")) io.err(line);
      return err.exit;
    }
    const about = err.command ?? command;
    io.err(`stepwise${about === undefined ? "" : ` ${about}`}: ${err.message}`);
    io.err(about === undefined ? 'Run "stepwise --help" for usage.' : `Run "stepwise help ${about}" for its usage.`);
    return err.exit;
  }
}

// The command line's grammar: each command's arguments and flags, and the parse of argv into a command
// to run (or help to show). node:util parseArgs does the flags; a misuse is a UsageError (exit 2).
import { parseArgs } from "node:util";
import { UsageError } from "./exit-codes.ts";

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  /** The value's placeholder in help, e.g. "<json>". */
  value?: string;
  description: string;
}

export interface PositionalSpec {
  name: string;
  required: boolean;
  description: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  positionals: readonly PositionalSpec[];
  options: Readonly<Record<string, OptionSpec>>;
  example: string;
}

/** Flags every command takes. */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  url: { type: "string", value: "<url>", description: "the deployment (default: STEPWISE_URL, else http://localhost:$PORT, or :8787)" },
  token: { type: "string", value: "<token>", description: "the API token (default: STEPWISE_TOKEN, else API_TOKEN in the nearest .dev.vars)" },
  json: { type: "boolean", description: "print the API's JSON instead of text" },
  help: { type: "boolean", short: "h", description: "show help" },
};

export type OptionValues = Readonly<Record<string, string | boolean | undefined>>;

export type Parsed<C extends CommandSpec> =
  | { kind: "help"; command: C | undefined }
  | { kind: "command"; command: C; options: OptionValues; args: readonly string[] };

/**
 * Which command argv asks for, with its flags and arguments; `help`, `--help` and `-h` ask for help.
 * @example
 * parseCommandLine(["start", "greet", "--wait"], commands); // { kind: "command", command: <start>, options: { wait: true }, args: ["greet"] }
 */
export function parseCommandLine<C extends CommandSpec>(argv: readonly string[], commands: readonly C[]): Parsed<C> {
  // First pass, lenient, with every flag any command knows: where the command name is (a flag's value is not it).
  const all: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS };
  for (const c of commands) Object.assign(all, c.options);
  const loose = parseArgs({ args: [...argv], options: toParseArgs(all), strict: false, allowPositionals: true });
  const name = loose.positionals[0];
  if (name === undefined) {
    if (loose.values.help === true) return { kind: "help", command: undefined };
    throw new UsageError("no command given (stepwise --help lists them)");
  }
  if (name === "help") {
    const topic = loose.positionals[1];
    return { kind: "help", command: topic === undefined ? undefined : findCommand(commands, topic) };
  }
  const command = findCommand(commands, name);
  if (loose.values.help === true) return { kind: "help", command };

  let strict: { values: Record<string, unknown>; positionals: string[] };
  try {
    strict = parseArgs({ args: [...argv], options: toParseArgs({ ...GLOBAL_OPTIONS, ...command.options }), strict: true, allowPositionals: true });
  } catch (err) {
    if (err instanceof Error && "code" in err && String(err.code).startsWith("ERR_PARSE_ARGS")) throw new UsageError(err.message, command.name);
    throw err;
  }
  const args = strict.positionals.slice(1);
  const missing = command.positionals.find((p, i) => p.required && args[i] === undefined);
  if (missing !== undefined) throw new UsageError(`missing <${missing.name}> (${missing.description})`, command.name);
  // The extra argument is not echoed: it may be a token given without its flag.
  if (args.length > command.positionals.length) throw new UsageError(`too many arguments (it takes ${usageOf(command)})`, command.name);
  const options: Record<string, string | boolean | undefined> = {};
  for (const [k, v] of Object.entries(strict.values)) if (typeof v === "string" || typeof v === "boolean") options[k] = v;
  return { kind: "command", command, options, args };
}

/** "<runId> <name> [payload-json]": a command's arguments as help shows them. */
export function usageOf(command: CommandSpec): string {
  const parts = command.positionals.map((p) => (p.required ? `<${p.name}>` : `[${p.name}]`));
  return parts.length === 0 ? "no arguments" : parts.join(" ");
}

function findCommand<C extends CommandSpec>(commands: readonly C[], name: string): C {
  const found = commands.find((c) => c.name === name);
  if (found === undefined) throw new UsageError(`unknown command "${name.slice(0, 40)}" (stepwise --help lists them)`);
  return found;
}

function toParseArgs(options: Readonly<Record<string, OptionSpec>>): Record<string, { type: "string" | "boolean"; short?: string }> {
  return Object.fromEntries(Object.entries(options).map(([k, o]) => [k, o.short === undefined ? { type: o.type } : { type: o.type, short: o.short }]));
}

/**
 * A flag's or argument's JSON, or a UsageError that says which one and why.
 * @example
 * jsonArgument("--args", '{"name":"Ada"}'); // { name: "Ada" }
 */
export function jsonArgument(what: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${what} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** A flag's whole number, at least `min`, or a UsageError that says which flag. */
export function intArgument(what: string, text: string, min: number): number {
  const n = /^-?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${what} must be a whole number of at least ${min}, not "${text.slice(0, 40)}"`);
  return n;
}

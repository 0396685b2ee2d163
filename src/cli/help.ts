// The help texts: `stepwise --help` (every command, the common flags, the exit codes) and
// `stepwise help <command>` (its arguments, flags and an example). Built from the command specs.
import { type CommandSpec, GLOBAL_OPTIONS, type OptionSpec, usageOf } from "./args.ts";
import { EXIT_TABLE } from "./exit-codes.ts";
import { table } from "./format.ts";

/** `stepwise --help`. */
export function mainHelp(commands: readonly CommandSpec[]): string[] {
  return [
    "stepwise: operate the runs of a Stepwise deployment.",
    "",
    "Usage: stepwise <command> [arguments] [options]",
    "",
    "Commands:",
    ...indent(
      table(
        [],
        [
          ...commands.map((c) => [`${c.name} ${usageOf(c) === "no arguments" ? "" : usageOf(c)}`.trimEnd(), c.summary]),
          ["help [command]", "this help, or a command's"],
        ],
      ),
    ),
    "",
    "Options (every command):",
    ...indent(optionRows(GLOBAL_OPTIONS)),
    "",
    "Exit codes:",
    ...indent(
      table(
        [],
        EXIT_TABLE.map(([code, meaning]) => [String(code), meaning]),
      ),
    ),
    "",
    'Run "stepwise help <command>" for its arguments, options and an example.',
  ];
}

/** `stepwise help <command>` and `stepwise <command> --help`. */
export function commandHelp(command: CommandSpec): string[] {
  const lines = [
    `Usage: stepwise ${command.name} ${command.positionals.length === 0 ? "" : `${usageOf(command)} `}[options]`,
    "",
    `${capitalize(command.summary)}.`,
  ];
  if (command.positionals.length > 0) {
    lines.push(
      "",
      "Arguments:",
      ...indent(
        table(
          [],
          command.positionals.map((p) => [p.required ? `<${p.name}>` : `[${p.name}]`, p.description]),
        ),
      ),
    );
  }
  if (Object.keys(command.options).length > 0) lines.push("", "Options:", ...indent(optionRows(command.options)));
  lines.push("", "Options (every command):", ...indent(optionRows(GLOBAL_OPTIONS)), "", "Example:", `  ${command.example}`);
  return lines;
}

function optionRows(options: Readonly<Record<string, OptionSpec>>): string[] {
  return table(
    [],
    Object.entries(options).map(([name, o]) => [
      `${o.short === undefined ? "" : `-${o.short}, `}--${name}${o.value === undefined ? "" : ` ${o.value}`}`,
      o.description,
    ]),
  );
}

function indent(lines: string[]): string[] {
  return lines.filter((l) => l !== "").map((l) => `  ${l}`);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

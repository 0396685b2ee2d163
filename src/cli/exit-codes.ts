// The command line's exit codes, what a shell script branches on, and the error that carries one up to
// main. One table: `stepwise --help` prints it and the README repeats it.

export const EXIT = {
  ok: 0,
  /** The API refused the request: a 4xx other than 401. */
  refused: 1,
  /** Unknown command or flag, a missing argument, JSON that does not parse: no request was sent. */
  usage: 2,
  /** The server could not be reached, or answered 5xx. */
  unreachable: 3,
  /** 401: no token, or the wrong one. */
  unauthorized: 4,
  /** `start --wait` and `events`: the run failed. */
  runFailed: 5,
  /** `start --wait` and `events`: the run was canceled. */
  runCanceled: 6,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The table `stepwise --help` shows. */
export const EXIT_TABLE: readonly [ExitCode, string][] = [
  [EXIT.ok, "success (start --wait, events: the run completed)"],
  [EXIT.refused, "the API refused the request (4xx other than 401)"],
  [EXIT.usage, "bad usage: unknown command or flag, missing argument, JSON that does not parse"],
  [EXIT.unreachable, "the server could not be reached, or answered 5xx"],
  [EXIT.unauthorized, "not authorized (401): give a token with --token, STEPWISE_TOKEN or .dev.vars"],
  [EXIT.runFailed, "start --wait, events: the run failed"],
  [EXIT.runCanceled, "start --wait, events: the run was canceled"],
];

/** An HTTP answer's exit code: 0 for 2xx (and 3xx, which fetch follows), else by kind of failure. */
export function exitForHttpStatus(status: number): ExitCode {
  if (status === 401) return EXIT.unauthorized;
  if (status >= 500) return EXIT.unreachable;
  if (status >= 400) return EXIT.refused;
  return EXIT.ok;
}

/** An ended run's exit code; undefined while the run is live (running, sleeping, waiting, paused). */
export function exitForRunStatus(status: string): ExitCode | undefined {
  if (status === "completed") return EXIT.ok;
  if (status === "failed") return EXIT.runFailed;
  if (status === "canceled") return EXIT.runCanceled;
  return undefined;
}

/** A failure that ends the command with `exit`; `message` goes to stderr (it never holds the token). */
export class CliError extends Error {
  readonly exit: ExitCode;

  constructor(exit: ExitCode, message: string) {
    super(message);
    this.name = "CliError";
    this.exit = exit;
  }
}

/** Bad usage (exit 2), found before any request is sent; `command` when the misuse is of one command. */
export class UsageError extends CliError {
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(EXIT.usage, message);
    this.name = "UsageError";
    this.command = command;
  }
}

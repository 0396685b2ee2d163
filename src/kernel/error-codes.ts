// Every error code Stepwise itself produces, with the HTTP status it answers with (null: it only ever
// appears as a run's, step's or message's outcome) and whether a retry may help. One table for all.

export interface ErrorCodeInfo {
  /** The HTTP status of a problem+json answer with this code; null when it is never an HTTP answer. */
  status: number | null;
  /** Whether trying again (the same request later, or another attempt of a step) may succeed. */
  retryable: boolean;
  /** What it means, for the docs and for readers of a problem+json answer. */
  meaning: string;
}

const http = (status: number, meaning: string, retryable = false): ErrorCodeInfo => ({ status, retryable, meaning });
const outcome = (meaning: string, retryable = false): ErrorCodeInfo => ({ status: null, retryable, meaning });

export const ERROR_CODES = {
  // Requests
  "request.invalid": http(400, "the request is not valid: `errors` lists the failing paths"),
  "request.malformed_json": http(400, "the body is not valid JSON"),
  "request.too_deep": http(400, "the JSON body nests deeper than the limit"),
  "request.unsupported_media_type": http(415, "a body was sent with a content type other than JSON"),
  "request.invalid_cursor": http(400, "the cursor is not one this API returned"),
  "request.too_large": http(413, "the body is over the size limit"),
  "request.upgrade_required": http(426, "the route needs a WebSocket upgrade"),
  "route.not_found": http(404, "no route for this method and path"),
  internal: http(500, "an unexpected error; nothing about it is disclosed", true),
  "config.invalid": http(500, "a setting (a var in wrangler.toml) holds a value the app cannot use: the message names it and what it takes"),
  // Auth and tickets
  "auth.missing_token": http(401, "no bearer token"),
  "auth.invalid_token": http(401, "the bearer token is not valid"),
  "auth.not_configured": http(500, "the server has no API_TOKEN"),
  "auth.session_expired": http(401, "the console session is not valid or has expired"),
  "auth.cross_site": http(403, "a session request came from another origin"),
  "auth.csrf_failed": http(403, "a session request that changes something lacks its CSRF token"),
  "ticket.missing": http(401, "the socket needs a ticket"),
  "ticket.invalid": http(401, "the ticket is not valid"),
  "ticket.expired": http(401, "the ticket has expired"),
  "ticket.wrong_thread": http(403, "the ticket is for another thread"),
  // Workflows and runs
  "workflow.not_found": http(404, "no workflow of that name (as a run's outcome: its workflow is no longer defined)"),
  "run.not_found": http(404, "no run with that id"),
  "run.invalid_args": http(400, "the args do not match the workflow's schema"),
  "run.idempotency_conflict": http(409, "the Idempotency-Key was used to start a run with other args"),
  "run.already_finished": http(409, "the run has already ended"),
  "run.not_finished": http(409, "the run is still live: only a failed, canceled or completed run can be restarted"),
  "run.already_restarted": http(409, "the run was restarted already: `restartedAs` names the newer run, restart that one"),
  "run.restart_conflict": http(409, "the id a restart would take is held by an unrelated run"),
  "restart.unknown_step": http(400, "no step with that seq or name in the run's journal"),
  "restart.invalid_step": http(400, "a step before the one asked for did not complete, so it cannot be kept"),
  "run.rate_limited": http(429, "the workflow's rateLimit refused the start: `retryAfterMs` (and the Retry-After header) say when one frees", true),
  "run.flow_key_failed": http(400, "a flow-control key expression (concurrency, throttle, debounce, rateLimit) threw or returned no string"),
  "run.not_queued": http(409, "the run is not waiting in a line"),
  "flow.unavailable": outcome("the workflow declares flow control but the deployment has no Workpool binding (WORKPOOLS) to hold its lines"),
  "workflow.version_not_found": http(404, "no such version of the workflow is registered"),
  "workflow.version_missing": outcome("the version the run started on is no longer registered: restart it on a newer one"),
  "run.canceled": outcome("the run was canceled"),
  "run.finished": outcome("the run ended while the step was open"),
  "run.handler_failed": outcome("the handler threw"),
  "run.invalid_result": outcome("the handler's return value does not match `returns`"),
  "history.invalid": outcome("what was given to replayHistory is not a run history (stepwise.history/1): `details` lists the failing paths"),
  // Signals
  "signal.invalid_name": http(400, "the signal name is not valid"),
  "signal.invalid_payload": http(
    400,
    "the payload is not allowed: null (what a timed-out wait returns), or one the wait's schema refuses (`errors` lists the failing paths), or none where the wait has a schema",
  ),
  "signal.run_finished": http(409, "the run has already ended"),
  "signal.not_waiting": http(409, "the wait the signal was meant for has ended"),
  "signal.idempotency_conflict": http(409, "the Idempotency-Key was used for another signal or payload"),
  // Steps (outcomes, except payload limits met at the HTTP boundary)
  "step.not_found": http(404, "the run has no step with that seq"),
  "step.payload_too_large": http(413, "a payload is over 1 MiB serialized"),
  "step.payload_not_serializable": http(400, "a payload is not JSON-serializable"),
  "step.invalid_args": outcome("the step's args do not match its schema"),
  "step.timeout": outcome("the attempt ran past its timeout", true),
  "step.aborted": outcome("the attempt was aborted", true),
  "step.interrupted": outcome("the step was cut off by crashes more often than its policy allows"),
  "step.non_determinism": outcome("the handler called other steps than its journal holds"),
  "step.corrupt_journal": outcome("a journal row is malformed"),
  "step.abandoned": outcome("the step lost a Promise.race (or its Promise.all failed) and stopped waiting"),
  "step.failed": outcome("the step failed"),
  "step.invalid_usage": outcome("ctx.reportUsage was given something that is not a usage report: `details` lists the failing paths"),
  "action.failed": outcome("the action threw", true),
  "action.non_retryable": outcome("the action threw a NonRetryableError"),
  "action.interrupted": outcome("the action was cut off by a crash", true),
  "action.not_registered": outcome("no action or mutation of that name is registered (createStepwise's modules)"),
  // Functions (actions and mutations called by name)
  "function.not_registered": outcome("a function that no registry knows, or one without a name, was called"),
  "function.invalid_result": outcome("a function's result does not match its `returns`"),
  "function.not_found": http(404, "no public action or mutation of that name"),
  "function.invalid_args": http(400, "the args do not match the function's schema"),
  "function.failed": http(500, "the function threw: a StepwiseError's code and message are passed on, anything else is not disclosed"),
  // Components
  "job.not_found": http(404, "no action run or pool job with that id"),
  "job.invalid_args": http(400, "the job's args are not valid"),
  "job.id_conflict": http(409, "a run with that id exists for another action or other args"),
  "job.already_finished": http(409, "the job has already ended"),
  "job.canceled": outcome("the job was canceled"),
  "pool.not_found": http(404, "no Workpool of that name has been used"),
  "components.binding_missing": outcome("a components binding is missing from the Worker's config"),
  // Queue triggers
  "queue.not_found": http(404, "no queue trigger of that queue name names its producer binding, or the binding is not bound to the Worker"),
  "queue.body_not_json": outcome(
    "a queue message's body is not JSON (a Date, a Map, bytes...): `errors` names the first value that is not; it is dead-lettered",
  ),
  "queue.no_trigger": outcome("a queue consumer delivered messages of a queue that no trigger starts runs for; they are retried"),
  // Threads, agents and streams
  "thread.not_found": http(404, "no thread with that id"),
  "thread.message_not_found": http(404, "no message with that id in the thread"),
  "thread.invalid_input": http(400, "the thread request is not valid"),
  "agent.failed": outcome("the agent's call failed", true),
  "agent.invalid_call": outcome("the agent was called with invalid options"),
  "agent.invalid_object": outcome("the model's object does not match the schema", true),
  "agent.model_rejected": outcome("the model refused the request"),
  "agent.save_failed": outcome("the answer could not be saved", true),
  "answer.aborted": outcome("a client stopped the answer"),
  "answer.incomplete": outcome("the answer was cut off before it was saved"),
  "stream.invalid_chunk": outcome("a pushed chunk is not a UI message chunk"),
  "stream.sequence_gap": outcome("a pushed chunk skips a sequence number"),
  // The example app's data (D1)
  "app.db_missing": outcome("the Worker has no D1 binding DB for the app's data (wrangler.toml, see README)"),
  "app.row_missing": outcome("a row a mutation inserted (or found already there) could not be read back"),
  // Approvals and configuration
  "approval.not_configured": outcome("APPROVAL_SIGNING_KEY is missing or invalid"),
  "approval.invalid_header": outcome("an email header value holds a control character"),
  "approval.not_found": http(
    404,
    "that seq of the run is not an approval's wait (waitingFor shows approval waits with label: approval), or the thread has no tool approval of that id",
  ),
  "approval.already_decided": http(409, "the approval was decided already, from its link or the console; the first decision stands"),
  "approval.closed": http(409, "the approval's wait has ended (it timed out) or its run has finished: there is nothing left to decide"),
  "approval.unclaimed": http(
    409,
    "nothing waits for this tool call's decision in the thread (an Agent call from a Worker asked for it): pass the decision back to that call (`decisions`)",
  ),
  // Schedules
  "schedule.not_found": http(404, "no schedule of that name"),
  "schedule.name_taken": http(409, "a schedule of that name exists already (created through the API, or defined in code)"),
  "schedule.defined_in_code": http(409, "the schedule is defined in code (defineSchedule): remove it from the code, or pause it"),
  "schedules.binding_missing": http(500, "the Worker has no SCHEDULES Durable Object binding (wrangler.toml, see README)"),
  "fault.injected": outcome("a fault injected by STEPWISE_FAULTS (chaos tests only)", true),
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** What the catalogue says of `code`; undefined for codes users define (`billing.declined`). */
export function errorCodeInfo(code: string): ErrorCodeInfo | undefined {
  // SAFETY: Object.hasOwn just checked that `code` is one of the table's own keys.
  return Object.hasOwn(ERROR_CODES, code) ? ERROR_CODES[code as ErrorCode] : undefined;
}

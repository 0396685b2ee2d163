// The shared kernel: what every layer may use, and nothing that knows about runs, threads or HTTP.
// Errors and their catalogue, RPC results, journal payloads, the injected clock, id minting, SQL and migrations.
export { objectClock, setTimeSource, systemClock, type Clock } from "./clock.ts";
export { decodeCursor, encodeCursor } from "./cursor.ts";
export { ERROR_CODES, errorCodeInfo, type ErrorCode, type ErrorCodeInfo } from "./error-codes.ts";
export { NonRetryableError, RunCanceledError, SerializedError, StepwiseError, toSerializedError } from "./errors.ts";
export { GroupCommit } from "./group-commit.ts";
export { mintId, sha256Hex } from "./ids.ts";
export { log, loggedError, logLine, type LogFields, type LoggedError, type LogLevel } from "./log.ts";
export { jsonColumn } from "./json-column.ts";
export { jsonSchemaIssues, type JsonSchema } from "./json-schema.ts";
export { decodePayload, encodePayload, exceedsDepth, MAX_JSON_DEPTH, MAX_PAYLOAD_BYTES, tryEncode } from "./payload.ts";
export { fail, ok, rpcResult, unwrap, type RpcResult } from "./result.ts";
export { migrate, probeSchema, schemaSnapshot, type SchemaProbe } from "./migrations.ts";
export { checkCsrf, CSRF_HEADER, csrfToken, isApiToken, SESSION_TTL_MS, sessionCookieName, signSession, verifySession, type Session } from "./session.ts";
export { Sql, type SqlCell, type SqlHost, type SqlRow, type SqlValue } from "./sql.ts";
export { issueDetails, issueDetailsWithKeys, issueSummary, jsonPointer, type IssueDetail, type IssueList } from "./zod-issues.ts";

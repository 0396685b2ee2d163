// What failed when zod refused a value, in the shapes errors carry: one line for a message, or
// `{ issues: [{ path, message }] }` details (which problem+json renders as `errors` with JSON Pointers).

/** What these helpers read of a ZodError (a structural type, so plain issue lists fit too). */
export interface IssueList {
  readonly issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[];
}

/** One line for an error message: `a.b: message; (root): message`. */
export function issueSummary(error: IssueList): string {
  return error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
}

export interface IssueDetail<K = string> {
  path: K[];
  message: string;
}

/**
 * Error details listing each failing path (keys as strings) and its message: `{ issues: [...] }`,
 * the shape problem+json turns into `errors` with JSON Pointer paths.
 * @example
 * if (!parsed.success) return fail("request.invalid", "invalid request", issueDetails(parsed.error));
 */
export function issueDetails(error: IssueList): { issues: IssueDetail[] } {
  return { issues: error.issues.map(({ path, message }) => ({ path: path.map(String), message })) };
}

/** As issueDetails, with each path's keys as zod gave them (array indexes stay numbers). */
export function issueDetailsWithKeys(error: IssueList): { issues: IssueDetail<PropertyKey>[] } {
  return { issues: error.issues.map(({ path, message }) => ({ path: [...path], message })) };
}

/**
 * A path as a JSON Pointer (RFC 6901), "~" and "/" inside a key escaped: `["args", "a/b", 0]` is `/args/a~1b/0`.
 * @example
 * issues.map((i) => ({ path: jsonPointer(i.path), message: i.message }));
 */
export function jsonPointer(path: readonly PropertyKey[]): string {
  return path.map((k) => "/" + String(k).replaceAll("~", "~0").replaceAll("/", "~1")).join("");
}

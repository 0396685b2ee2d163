// What failed when zod refused a value, in the shapes errors carry: one line for a message, a list of
// `{ path, message }` for error details (rendered as problem+json `errors` at the HTTP boundary).

/** What these helpers read of a ZodError (a structural type, so plain issue lists fit too). */
export interface IssueList {
  readonly issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[];
}

/** One line for an error message: `a.b: message; (root): message`. */
export function issueSummary(error: IssueList): string {
  return error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
}

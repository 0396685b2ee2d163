// Whether a queue message's body can be a run's args: runs journal their args as JSON, and a message
// sent with the default `v8` content type may hold a Date, a Map or bytes that JSON would silently change.
import { MAX_JSON_DEPTH, StepwiseError } from "../../kernel/index.ts";

/**
 * `queue.body_not_json` naming the first value in `body` that JSON cannot carry as it is (a Date, a Map,
 * bytes, a bigint, NaN, a cycle, nesting past MAX_JSON_DEPTH), or undefined when the body is plain JSON.
 * An object property that is undefined passes: JSON drops it, which a schema reads as absent, as it would.
 * @example
 * const notJson = nonJsonBody(message.body);
 * if (notJson !== undefined) throw notJson;
 */
export function nonJsonBody(body: unknown): StepwiseError | undefined {
  const found = firstNonJson(body);
  if (found === undefined) return undefined;
  return new StepwiseError("queue.body_not_json", `the message body is not JSON: ${found.message}`, {
    details: { issues: [{ path: found.path.map(String), message: found.message }] },
  });
}

type Path = readonly (string | number)[];

function firstNonJson(root: unknown): { path: Path; message: string } | undefined {
  // Iterative, so a deep body cannot overflow the stack. `open` holds the containers on the current path
  // (each leaves it at its exit mark), which tells a cycle (possible in a v8 body) from a shared value.
  const stack: ({ value: unknown; path: Path; inArray: boolean } | { exit: object })[] = [{ value: root, path: [], inArray: true }];
  const open = new Set<object>();
  while (stack.length > 0) {
    const item = stack.pop()!;
    if ("exit" in item) {
      open.delete(item.exit);
      continue;
    }
    const { value, path, inArray } = item;
    const problem = scalarProblem(value, inArray);
    if (problem !== null) {
      if (problem !== undefined) return { path, message: problem };
      continue;
    }
    // SAFETY: scalarProblem returns null only for plain objects and arrays.
    const container = value as object;
    if (open.has(container)) return { path, message: "a reference back to a value that contains it (a cycle)" };
    if (path.length >= MAX_JSON_DEPTH) return { path, message: `nested deeper than ${MAX_JSON_DEPTH} levels` };
    open.add(container);
    stack.push({ exit: container });
    const children = Array.isArray(container)
      ? Array.from(container, (child, i) => ({ value: child as unknown, path: [...path, i], inArray: true })) // holes read as undefined
      : Object.entries(container).map(([key, child]) => ({ value: child, path: [...path, key], inArray: false }));
    // Reversed, so the first child is checked first and the first problem found is the first in order.
    stack.push(...children.reverse());
  }
  return undefined;
}

/**
 * undefined: a JSON scalar (or an object property left undefined); null: a plain object or array, whose
 * children are checked next; a string: why the value is not JSON.
 */
function scalarProblem(value: unknown, inArray: boolean): string | undefined | null {
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : `${value} is not a JSON number`;
    case "undefined":
      return inArray ? "undefined (absent) where a value must be" : undefined;
    case "bigint":
      return "a bigint: send it as a string or a number";
    case "object": {
      if (value === null || Array.isArray(value)) return value === null ? undefined : null;
      const proto = Object.getPrototypeOf(value);
      if (proto === Object.prototype || proto === null) return null;
      if (value instanceof Date) return "a Date: send it as an ISO string";
      return `a value of type ${proto?.constructor?.name ?? "unknown"}, which JSON cannot carry`;
    }
    default:
      return `a value of type ${typeof value}, which JSON cannot carry`;
  }
}

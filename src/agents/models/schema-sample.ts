// Builds a value that satisfies a JSON Schema, deterministically, from the words of a prompt.
// The offline model uses it for structured output and for tool inputs.

/** The JSON Schema keywords read here (`json-schema` types are not installed, so the SDK's are `any`). */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, unknown>;
  items?: unknown;
  enum?: unknown[];
  const?: unknown;
  anyOf?: unknown[];
  oneOf?: unknown[];
  allOf?: unknown[];
  $ref?: string;
  description?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
}

/** A schema node: `true`/`false` or an object (anything else is treated as "any value"). */
function node(raw: unknown): JsonSchema | boolean {
  if (typeof raw === "boolean") return raw;
  // SAFETY: only the keywords above are read, each checked for its type where it matters.
  return typeof raw === "object" && raw !== null ? (raw as JsonSchema) : true;
}

export const OFFLINE_TAG = "(offline model)";

/** Words that make a choice between enum options plausible when the option itself is not named. */
const SYNONYMS: Record<string, string[]> = {
  billing: ["bill", "billed", "invoice", "charge", "charged", "refund", "payment", "pay", "paid", "price", "subscription", "receipt", "money"],
  support: ["error", "bug", "crash", "crashes", "broken", "login", "password", "help", "issue", "problem", "install", "works"],
  positive: ["good", "great", "love", "happy", "thanks", "excellent"],
  negative: ["bad", "terrible", "hate", "angry", "awful", "broken"],
  urgent: ["urgent", "asap", "immediately", "now", "down"],
  high: ["urgent", "asap", "immediately", "critical", "down"],
};

export interface SampleHint {
  /** The prompt the value should relate to. */
  text: string;
}

/** A value for `schema`; `root` resolves `$ref`s. */
export function sampleSchema(raw: unknown, hint: SampleHint, name = "value", root?: JsonSchema): unknown {
  const schema = node(raw);
  if (typeof schema === "boolean") return schema ? describe(name, undefined, hint) : null;
  const top = root ?? schema;
  if (schema.$ref !== undefined) return sampleSchema(resolveRef(schema.$ref, top), hint, name, top);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum !== undefined && schema.enum.length > 0) return chooseOption(schema.enum, hint);
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants !== undefined && variants.length > 0) {
    const nonNull = variants.find((v) => node(v) === true || (node(v) as JsonSchema).type !== "null") ?? variants[0];
    return sampleSchema(nonNull, hint, name, top);
  }
  if (schema.allOf !== undefined && schema.allOf.length > 0) {
    return Object.assign({}, ...schema.allOf.map((part) => sampleSchema(part, hint, name, top)));
  }
  const type = Array.isArray(schema.type) ? (schema.type.find((t) => t !== "null") ?? "null") : (schema.type ?? (schema.properties ? "object" : "string"));
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [key, sub] of Object.entries(schema.properties ?? {})) out[key] = sampleSchema(sub, hint, key, top);
      return out;
    }
    case "array": {
      const items = Array.isArray(schema.items) ? schema.items[0] : schema.items;
      const count = Math.max(1, schema.minItems ?? 1);
      const max = schema.maxItems ?? count;
      return Array.from({ length: Math.min(count, max) }, (_, i) =>
        items === undefined ? `${name} ${i + 1}` : sampleSchema(items, hint, singular(name), top),
      );
    }
    case "integer":
    case "number": {
      let n = numberFor(name, hint);
      if (schema.minimum !== undefined) n = Math.max(n, schema.minimum);
      if (schema.exclusiveMinimum !== undefined) n = Math.max(n, schema.exclusiveMinimum + (type === "integer" ? 1 : 0.5));
      if (schema.maximum !== undefined) n = Math.min(n, schema.maximum);
      if (schema.exclusiveMaximum !== undefined) n = Math.min(n, schema.exclusiveMaximum - (type === "integer" ? 1 : 0.5));
      return type === "integer" ? Math.round(n) : n;
    }
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return stringFor(schema, name, hint);
  }
}

/** The option whose name (or a synonym) the prompt mentions most; the first option on a tie. */
export function chooseOption(options: readonly unknown[], hint: SampleHint): unknown {
  const words = new Set(hint.text.toLowerCase().match(/[a-z0-9]+/g) ?? []);
  let best = options[0];
  let bestScore = 0;
  for (const option of options) {
    const label = String(option).toLowerCase();
    const terms = [label, ...(SYNONYMS[label] ?? [])];
    const score = terms.reduce((s, t) => s + (words.has(t) ? (t === label ? 2 : 1) : 0), 0);
    if (score > bestScore) {
      best = option;
      bestScore = score;
    }
  }
  return best;
}

function stringFor(schema: JsonSchema, name: string, hint: SampleHint): string {
  switch (schema.format) {
    case "date-time":
      return "2026-01-01T09:00:00.000Z";
    case "date":
      return "2026-01-01";
    case "email":
      return "offline@example.com";
    case "uri":
    case "url":
      return "https://example.com/offline";
    case "uuid":
      return "00000000-0000-4000-8000-000000000000";
  }
  let text = describe(name, schema.description, hint);
  if (schema.maxLength !== undefined && text.length > schema.maxLength) text = text.slice(0, schema.maxLength);
  if (schema.minLength !== undefined && text.length < schema.minLength) text = text.padEnd(schema.minLength, ".");
  return text;
}

/** A string for a field: a place or id found in the prompt when the field asks for one, else a sentence. */
function describe(name: string, description: string | undefined, hint: SampleHint): string {
  const key = name.toLowerCase();
  if (/(city|location|place|destination|town|country)/.test(key)) return findPlace(hint.text) ?? "Paris";
  if (/(^|_)id$|Id$|number$/.test(name)) return findId(hint.text) ?? `${name}-1`;
  if (/(email)/.test(key)) return "offline@example.com";
  if (/(query|question|prompt|text|input|topic)/.test(key)) return hint.text.slice(0, 200);
  const subject = clip(hint.text, 80);
  const what = description ?? humanize(name);
  return `${what}: ${subject} ${OFFLINE_TAG}`;
}

function findPlace(text: string): string | undefined {
  const m = /\b(?:in|at|for|near|to|from)\s+((?:[A-Z][\p{L}'-]+)(?:\s+[A-Z][\p{L}'-]+)*)/u.exec(text);
  return m?.[1];
}

function findId(text: string): string | undefined {
  return /\b[A-Z]{2,}-?\d+\b/.exec(text)?.[0] ?? /\b\d{3,}\b/.exec(text)?.[0];
}

function numberFor(name: string, hint: SampleHint): number {
  const found = /-?\d+(?:\.\d+)?/.exec(hint.text);
  if (/(count|quantity|amount|number)/i.test(name) && found) return Number(found[0]);
  if (/(score|confidence|probability)/i.test(name)) return 0.8;
  return 1;
}

function resolveRef(ref: string, root: JsonSchema): unknown {
  if (ref === "#") return root;
  const path = ref.replace(/^#\//, "").split("/");
  let node: unknown = root;
  for (const segment of path) node = typeof node === "object" && node !== null ? Object.entries(node).find(([k]) => k === segment)?.[1] : undefined;
  // An unresolvable `$ref` degrades to "any value".
  return node ?? true;
}

function humanize(name: string): string {
  const words = name
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function singular(name: string): string {
  return name.endsWith("s") ? name.slice(0, -1) : name;
}

export function clip(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}

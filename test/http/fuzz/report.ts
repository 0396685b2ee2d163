// Failures grouped by kind (rule, route, status, code), each group with its first reproducing case
// and the inputs (tags) that hit it, so one run reports every defect, not just the first.

export interface Failure {
  /** The broken rule: `5xx`, `not-problem-json`, `socket-closed`, `sentinel-changed`, ... */
  rule: string;
  /** The route or socket or object it concerns. */
  where: string;
  status?: number;
  code?: string;
  detail: string;
  /** The case that showed it (-1: not tied to one case). */
  caseNo: number;
  tags: string[];
  /** The request or frames that reproduce it. */
  repro?: string;
}

interface Group {
  key: string;
  first: Failure;
  count: number;
  /** For each tag prefix (`body`, `ct`, `token`, ...), its values, how often, and the first case with each. */
  facets: Map<string, Map<string, { count: number; first: number }>>;
}

const MAX_FACET_VALUES = 12;

export class FailureLog {
  readonly seed: number;
  readonly #groups = new Map<string, Group>();

  constructor(seed: number) {
    this.seed = seed;
  }

  add(f: Failure): void {
    const key = [f.rule, f.where, f.status ?? "", f.code ?? ""].join(" | ");
    const g = this.#groups.get(key) ?? { key, first: f, count: 0, facets: new Map() };
    g.count++;
    for (const tag of f.tags) {
      const i = tag.indexOf(":");
      const [prefix, value] = i < 0 ? [tag, ""] : [tag.slice(0, i), tag.slice(i + 1)];
      const values = g.facets.get(prefix) ?? new Map<string, { count: number; first: number }>();
      const seen = values.get(value);
      if (seen !== undefined) seen.count++;
      else if (values.size < MAX_FACET_VALUES) values.set(value, { count: 1, first: f.caseNo });
      g.facets.set(prefix, values);
    }
    this.#groups.set(key, g);
  }

  get size(): number {
    return this.#groups.size;
  }

  /** Distinct kinds as one-line summaries (for the assertion message). */
  kinds(): string[] {
    return [...this.#groups.values()].map((g) => `${g.key} ×${g.count} (first: seed ${this.seed} case ${g.first.caseNo})`);
  }

  /** The full report: each kind with its first case, how to replay it, the request, and the inputs it came with. */
  render(): string {
    const out: string[] = [`${this.#groups.size} distinct failure kind(s), seed ${this.seed}:`];
    let i = 0;
    for (const g of this.#groups.values()) {
      const f = g.first;
      out.push("", `#${++i} [${f.rule}] ${f.where}${f.status === undefined ? "" : ` → ${f.status}`}${f.code === undefined ? "" : ` ${f.code}`}  (×${g.count})`);
      out.push(`  ${f.detail}`);
      const replay = f.caseNo >= 0 ? `  replay: FUZZ_SEED=${this.seed} FUZZ_CASE=${f.caseNo}` : "  (not tied to one case)";
      out.push(`  first: seed ${this.seed} case ${f.caseNo}${f.tags.length > 0 ? ` [${f.tags.join(" ")}]` : ""}`, replay);
      if (f.repro !== undefined) out.push(...f.repro.split("\n").map((l) => `    ${l}`));
      // Which inputs it came with: every value of each kind of tag, how often, and a case to replay it.
      for (const [prefix, values] of g.facets) {
        out.push(`  ${prefix}: ${[...values].map(([v, { count, first }]) => `${v === "" ? "(yes)" : v} ×${count} (case ${first})`).join(", ")}`);
      }
    }
    return out.join("\n");
  }
}

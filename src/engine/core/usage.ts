// Token usage: what an attempt reports through `ctx.reportUsage`, how one attempt's reports fold into
// the entries its outcome journals, and the totals by model that runs, steps and threads show. Pure.
import { z } from "zod";
import { issueDetails, issueSummary, NonRetryableError } from "../../kernel/index.ts";

const Tokens = z.number().int().nonnegative();

/**
 * One report of model calls an attempt made. `key` names a piece of work whose usage a later report
 * (in this attempt or a retry of the step) restates in full: the step counts the latest report under a
 * key once, where reports without one add up. An agent keys its answer, which a retry continues.
 */
export const UsageReport = z.object({
  model: z.string().min(1).max(200),
  /** Who serves the model (`workers-ai`, `openai.chat`...); empty when unknown. */
  provider: z.string().max(200),
  inputTokens: Tokens,
  outputTokens: Tokens,
  totalTokens: Tokens,
  key: z.string().min(1).max(200).optional(),
});
export type UsageReport = z.input<typeof UsageReport>;

/** The tokens of one model (and provider) in a total. An empty `model` or `provider`: not recorded. */
export const ModelUsage = z.object({
  model: z.string(),
  provider: z.string(),
  inputTokens: Tokens,
  outputTokens: Tokens,
  totalTokens: Tokens,
});
export type ModelUsage = z.infer<typeof ModelUsage>;

/** Token usage summed over model calls: the totals, and the same by model and provider (sorted by both). */
export const TokenUsage = z.object({
  inputTokens: Tokens,
  outputTokens: Tokens,
  totalTokens: Tokens,
  byModel: z.array(ModelUsage),
});
export type TokenUsage = z.infer<typeof TokenUsage>;

/** What an attempt's outcome journals: its reports folded, one entry per model without a key, one per key. */
export interface UsageEntry extends ModelUsage {
  /** The report's key; null for reports without one. */
  key: string | null;
}

/** No tokens at all (a fresh object each time: callers may fill it). */
export function noUsage(): TokenUsage {
  return { inputTokens: 0, outputTokens: 0, totalTokens: 0, byModel: [] };
}

/**
 * Totals over per-model rows: rows of the same model and provider are merged, the list sorted.
 * @example tokenUsage([{ model: "m", provider: "p", inputTokens: 1, outputTokens: 2, totalTokens: 3 }]) // totals 1, 2, 3
 */
export function tokenUsage(rows: readonly ModelUsage[]): TokenUsage {
  const byModel = new Map<string, ModelUsage>();
  const total = noUsage();
  for (const row of rows) {
    const id = JSON.stringify([row.model, row.provider]);
    const merged = byModel.get(id) ?? { model: row.model, provider: row.provider, inputTokens: 0, outputTokens: 0, totalTokens: 0 };
    addTokens(merged, row);
    byModel.set(id, merged);
    addTokens(total, row);
  }
  total.byModel = [...byModel.values()].sort((a, b) => compare(a.model, b.model) || compare(a.provider, b.provider));
  return total;
}

/**
 * The reports of one attempt (see UsageReport), parsed as they come and folded: reports without a key
 * add up per model, a keyed one replaces the key's earlier report. Once the attempt's outcome is taken
 * (`close`), later reports (an action still running after its step moved on) are ignored.
 */
export class UsageMeter {
  /** Made at the first report: most attempts report none. */
  #entries: Map<string, UsageEntry> | undefined;
  #closed = false;

  /** Adds a report; a report that is not one throws `step.invalid_usage` (non-retryable: the code is wrong). */
  report(raw: unknown): void {
    const parsed = UsageReport.safeParse(raw);
    if (!parsed.success) {
      throw new NonRetryableError(`ctx.reportUsage: ${issueSummary(parsed.error)}`, { code: "step.invalid_usage", details: issueDetails(parsed.error) });
    }
    if (this.#closed) return;
    const entries = (this.#entries ??= new Map());
    const { key, ...tokens } = parsed.data;
    if (key !== undefined) {
      entries.set(JSON.stringify(["key", key]), { ...tokens, key });
      return;
    }
    const id = JSON.stringify(["model", tokens.model, tokens.provider]);
    const entry = entries.get(id) ?? { model: tokens.model, provider: tokens.provider, inputTokens: 0, outputTokens: 0, totalTokens: 0, key: null };
    addTokens(entry, tokens);
    entries.set(id, entry);
  }

  /** Ends the attempt's reporting: its entries, unkeyed first, each group sorted. */
  close(): UsageEntry[] {
    this.#closed = true;
    if (this.#entries === undefined) return [];
    return [...this.#entries.values()].sort((a, b) => compare(a.key ?? "", b.key ?? "") || compare(a.model, b.model) || compare(a.provider, b.provider));
  }
}

function addTokens(into: Omit<ModelUsage, "model" | "provider">, from: Omit<ModelUsage, "model" | "provider">): void {
  into.inputTokens += from.inputTokens;
  into.outputTokens += from.outputTokens;
  into.totalTokens += from.totalTokens;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

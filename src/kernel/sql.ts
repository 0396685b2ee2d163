// The one way every Durable Object touches its SQLite: bound parameters only, and a failing query
// named (whitespace folded, cut at 120 characters) in the error, so a log line says which one broke.

export type SqlValue = string | number | null;

/** A value SQLite hands back (workerd's SqlStorageValue). */
export type SqlCell = ArrayBuffer | string | number | null;

export type SqlRow = Record<string, SqlCell>;

interface Cursor {
  toArray(): SqlRow[];
  raw(): IterableIterator<SqlCell[]>;
  readonly rowsWritten: number;
}

/**
 * The part of a Durable Object's storage this needs. Declared here, not taken from the Workers types,
 * so the kernel also type-checks in the Node projects that import it (scripts, process tests).
 */
export interface SqlHost {
  sql: { exec(query: string, ...bindings: SqlValue[]): Cursor };
  transactionSync<T>(fn: () => T): T;
}

/**
 * Runs queries against a Durable Object's SQLite storage.
 * @example
 * const sql = new Sql(ctx.storage);
 * const row = sql.first("SELECT status FROM run WHERE id = ?", 1);
 */
export class Sql {
  readonly #storage: SqlHost;
  readonly #before: (() => void) | undefined;
  /** `storage.sql`, read once: in workerd each read of it is a call into the runtime. */
  #sql: SqlHost["sql"] | undefined;

  /** `before`, when given, runs ahead of every statement and transaction (a store's deferred write goes first). */
  constructor(storage: SqlHost, opts: { before?: () => void } = {}) {
    this.#storage = storage;
    this.#before = opts.before;
  }

  /** Runs a statement for its effect. */
  exec(query: string, ...bindings: SqlValue[]): void {
    this.#run(query, bindings);
  }

  /** Runs a statement for its effect; how many rows it wrote. */
  write(query: string, ...bindings: SqlValue[]): number {
    return this.#run(query, bindings).rowsWritten;
  }

  /** Every row, as objects keyed by column name. */
  all(query: string, ...bindings: SqlValue[]): SqlRow[] {
    return this.#run(query, bindings).toArray();
  }

  /** The first row, or undefined. */
  first(query: string, ...bindings: SqlValue[]): SqlRow | undefined {
    return this.all(query, ...bindings)[0];
  }

  /** The rows as arrays of values in column order: no object per row, for reads of many rows. */
  raw(query: string, ...bindings: SqlValue[]): IterableIterator<SqlCell[]> {
    return this.#run(query, bindings).raw();
  }

  transaction<T>(fn: () => T): T {
    this.#before?.();
    return this.#storage.transactionSync(fn);
  }

  #run(query: string, bindings: SqlValue[]): Cursor {
    this.#before?.();
    try {
      return (this.#sql ??= this.#storage.sql).exec(query, ...bindings);
    } catch (err) {
      throw new Error(`SQL failed: ${query.replace(/\s+/g, " ").trim().slice(0, 120)}: ${String(err)}`, { cause: err });
    }
  }
}

// The components' one way to touch SQLite: bound parameters, the failing query named in the error,
// and numbered migrations applied once (the caller runs `migrate` under blockConcurrencyWhile).

export type SqlValue = string | number | null;

export class Sql {
  readonly #storage: DurableObjectStorage;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
  }

  exec(query: string, ...bindings: SqlValue[]): void {
    this.#run(query, bindings);
  }

  all(query: string, ...bindings: SqlValue[]): Record<string, SqlStorageValue>[] {
    return this.#run(query, bindings).toArray();
  }

  /** The first row, or undefined. */
  first(query: string, ...bindings: SqlValue[]): Record<string, SqlStorageValue> | undefined {
    return this.all(query, ...bindings)[0];
  }

  transaction<T>(fn: () => T): T {
    return this.#storage.transactionSync(fn);
  }

  /** Applies `migrations` past the stored schema version, each in its own transaction. */
  migrate(migrations: readonly string[]): void {
    this.exec("CREATE TABLE IF NOT EXISTS _schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)");
    const current = Number(this.first("SELECT version FROM _schema WHERE id = 1")?.version ?? 0);
    for (let v = current; v < migrations.length; v++) {
      this.transaction(() => {
        this.exec(migrations[v]!);
        this.exec("INSERT INTO _schema (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version", v + 1);
      });
    }
  }

  #run(query: string, bindings: SqlValue[]): SqlStorageCursor<Record<string, SqlStorageValue>> {
    try {
      return this.#storage.sql.exec(query, ...bindings);
    } catch (err) {
      throw new Error(`SQL failed: ${query.replace(/\s+/g, " ").trim().slice(0, 120)}: ${String(err)}`, { cause: err });
    }
  }
}

// The run object's tables that are created at their first write (schema.ts, LAZY_TABLES): what this
// instance knows of each, so that a write creates its table once and a read of one that is not there
// finds no rows without asking SQLite again.
import type { Sql } from "../../kernel/index.ts";
import { LAZY_TABLES, type LazyTable } from "./schema.ts";

export class LazyTables {
  readonly #sql: Sql;
  /** Tables this instance created, or read from: they exist until a rollback or deleteEverything. */
  readonly #present = new Set<LazyTable>();
  /** Tables this instance found missing (a read failed on them, or it created the object without them). */
  readonly #absent = new Set<LazyTable>();

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  /** The object was just created: a table it may have (migrated step by step) holds no row, so none is read. */
  created(): void {
    this.forget();
    for (const t of Object.keys(LAZY_TABLES) as LazyTable[]) this.#absent.add(t);
  }

  /** What this instance knew may be wrong (a transaction rolled back, the object was emptied). */
  forget(): void {
    this.#present.clear();
    this.#absent.clear();
  }

  /** Before a write to `table`: creates it unless this instance knows it exists. */
  ensure(table: LazyTable): void {
    if (this.#present.has(table)) return;
    this.#sql.exec(LAZY_TABLES[table].replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS"));
    this.#present.add(table);
    this.#absent.delete(table);
  }

  /** `read()`'s answer, or `none` when `table` does not exist (known, or learned from SQLite's refusal). */
  read<T>(table: LazyTable, none: T, read: () => T): T {
    if (this.#absent.has(table)) return none;
    try {
      const value = read();
      this.#present.add(table);
      return value;
    } catch (err) {
      if (!missing(err, table)) throw err;
      this.#absent.add(table);
      return none;
    }
  }
}

/** Whether SQLite refused a statement because `table` does not exist. */
function missing(err: unknown, table: LazyTable): boolean {
  return err instanceof Error && new RegExp(`no such table: (main\\.)?${table}\\b`).test(err.message);
}

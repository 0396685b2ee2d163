// What a new run object is created without and gets at first use (schema.ts, CREATED_LATER): the rarely
// written tables (LAZY_TABLES) and the step views. What this instance knows of each, so that it is created
// once and a read of a table that is not there finds no rows without asking SQLite again.
import type { Sql } from "../../kernel/index.ts";
import { CREATE_STEP_VIEWS, LAZY_TABLES, type LazyTable } from "./schema.ts";

/** Each part by name, as made in an object that may have it already. */
const PARTS = {
  ...(Object.fromEntries(
    Object.entries(LAZY_TABLES).map(([name, text]) => [
      name,
      text.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS").replaceAll("CREATE INDEX", "CREATE INDEX IF NOT EXISTS"),
    ]),
  ) as Record<LazyTable, string>),
  step_views: CREATE_STEP_VIEWS,
};
export type LazyPart = keyof typeof PARTS;

export class LazyTables {
  readonly #sql: Sql;
  /** Parts this instance created, or read from: they exist until a rollback or deleteEverything. */
  readonly #present = new Set<LazyPart>();
  /** Parts this instance found missing (a read failed on them, or it created the object without them). */
  readonly #absent = new Set<LazyPart>();

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  /** The object was just created: a table it may have (migrated step by step) holds no row, so none is read. */
  created(): void {
    this.forget();
    for (const part of Object.keys(PARTS) as LazyPart[]) this.#absent.add(part);
  }

  /** What this instance knew may be wrong (a transaction rolled back, the object was emptied). */
  forget(): void {
    this.#present.clear();
    this.#absent.clear();
  }

  /** Whether this instance knows `part` is missing (it created the object, or a read failed on it, and made it since). */
  absent(part: LazyPart): boolean {
    return this.#absent.has(part);
  }

  /** Before a use of `part` that needs it: creates it unless this instance knows it exists. */
  ensure(part: LazyPart): void {
    if (this.#present.has(part)) return;
    this.#sql.exec(PARTS[part]);
    this.#present.add(part);
    this.#absent.delete(part);
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

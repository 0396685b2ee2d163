// A Durable Object's storage that counts the SQL statements run through it: what a store's writes and
// reads cost in calls into SQLite, which tests of the run store hold to.

/** The object's storage, with a count of the statements run through it. */
export function counted(storage: DurableObjectStorage): { storage: DurableObjectStorage; statements: () => number } {
  let n = 0;
  const sql = new Proxy(storage.sql, {
    get(target, key) {
      if (key === "exec") {
        return (query: string, ...bindings: unknown[]) => {
          n++;
          return target.exec(query, ...bindings);
        };
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const wrapped = new Proxy(storage, {
    get(target, key) {
      if (key === "sql") return sql;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { storage: wrapped, statements: () => n };
}

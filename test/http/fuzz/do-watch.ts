// Uncaught exceptions in a Durable Object's socket and alarm handlers reach no client: the runtime
// only logs them. The objects run in the test's isolate, so their handlers are wrapped to record them.

export interface DoException {
  where: string;
  error: string;
}

const HANDLERS = ["webSocketMessage", "webSocketClose", "webSocketError", "alarm"] as const;

/**
 * Wraps each class's socket and alarm handlers (on its own prototype, so every instance, old or new,
 * goes through the wrapper) and returns the list they append to. The exception is rethrown unchanged.
 * @example
 * const seen = watchDurableObjects({ WorkflowRun, AgentThread });
 */
export function watchDurableObjects(classes: Record<string, { prototype: object }>): DoException[] {
  const seen: DoException[] = [];
  for (const [name, cls] of Object.entries(classes)) {
    for (const method of HANDLERS) {
      // SAFETY: a Durable Object class's prototype is an object of methods; we only read and wrap one.
      const proto = cls.prototype as Record<string, unknown>;
      const original = proto[method];
      if (typeof original !== "function") continue;
      const record = (err: unknown) => seen.push({ where: `${name}.${method}`, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
      Object.defineProperty(cls.prototype, method, {
        configurable: true,
        writable: true,
        value: function (this: unknown, ...args: unknown[]) {
          try {
            const result: unknown = original.apply(this, args);
            if (result instanceof Promise) {
              return result.catch((err: unknown) => {
                record(err);
                throw err;
              });
            }
            return result;
          } catch (err) {
            record(err);
            throw err;
          }
        },
      });
    }
  }
  return seen;
}

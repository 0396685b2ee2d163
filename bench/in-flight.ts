// A load of calls with a bound on how many are in flight, for the bench Workers that call objects from inside.

/**
 * Runs `task(i)` for i in 0..n-1, `concurrency` at a time; resolves when all are done.
 * @example
 * await inFlight(2_000, 100, (i) => index.upsert(entryOf(i)));
 */
export async function inFlight(n: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

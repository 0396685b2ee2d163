// The thread object's one alarm serves the stream hub's watchdog and the thread's expiry: whoever
// needs it by some time only ever brings it earlier, and the alarm handler re-arms it for both.

/**
 * Makes the alarm fire by `at`: sets it when none is set or the one set is later; an earlier one stays.
 * @example
 * await alarmBy(ctx.storage, now + WATCHDOG_MS);
 */
export async function alarmBy(storage: DurableObjectStorage, at: number): Promise<void> {
  const set = await storage.getAlarm();
  if (set === null || set > at) await storage.setAlarm(at);
}

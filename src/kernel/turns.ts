// Giving the event loop a turn. workerd moves its clock (Date.now, performance.now) only at I/O and
// timers, and a zero setTimeout costs about a millisecond there; a message through a MessageChannel is a
// macrotask too (pending requests and timers get their chance) and costs a few microseconds, but the
// clock stands still across it.

/** One turn of the event loop, as short as the runtime allows; the clock does not move. */
export function turn(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** One turn of the event loop on a zero timer: slower (about 1 ms in workerd), and it lets the clock move. */
export function timerTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

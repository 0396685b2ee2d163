// The rules of the journal as a pure state machine. Given a step's journal row, what reached the step
// (the handler's call, an attempt's outcome, a timer, a signal, a child's outcome, a lost race) and the
// time, it decides the journal writes and what the handler sees next. The run object applies the writes
// in one storage transaction and then does what `next` says; nothing here touches storage or the clock.
// Its parts: transition.ts (writes, next, shared helpers), step-calls.ts, step-attempts.ts, step-wakeups.ts.
export * from "./step-attempts.ts";
export * from "./step-calls.ts";
export * from "./step-wakeups.ts";
export * from "./transition.ts";

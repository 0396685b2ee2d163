/// <reference types="node" />
// The environment every bench's `wrangler dev` runs in, beside the machine's own.
//
// wrangler 4 traces every invocation of a local Worker by default (`X_LOCAL_OBSERVABILITY`, on unless set
// to false): each request and each Durable Object call, with the spans workerd reports in it, streams to
// a collector Worker in the same workerd process, which writes it to a SQLite trace store of its own. That
// is a tool of `wrangler dev`, not of the Worker or of production, and its cost grows with what an
// invocation does: with it on, the floor's 1,000 inserts in one request took 56-95 ms against 19-31 ms
// without it, ten of our 1,000-step runs 68-120 ms against 51-95 ms, and 200 starts of runs that wait
// 1.8-2.0 s of workerd's CPU against 1.2-1.4 s. Both sides of every bench run without it.
// `X_LOCAL_OBSERVABILITY=true` in the environment measures with it.
export function benchDevEnv(): Record<string, string> {
  return { X_LOCAL_OBSERVABILITY: process.env.X_LOCAL_OBSERVABILITY ?? "false" };
}

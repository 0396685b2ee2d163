/// <reference types="node" />
// The environment every bench's `wrangler dev` runs in, beside the machine's own.
//
// wrangler 4 traces every invocation of a local Worker by default (`X_LOCAL_OBSERVABILITY`, on unless set
// to false): each request, each Durable Object call and each span in them (a SQL statement, a stub call)
// streams to a collector Worker in the same workerd process, which writes it to a SQLite trace store of
// its own. That is a tool of `wrangler dev`, not of the Worker or of production, and it costs each side
// by how many invocations and spans it makes: measured with it on, 200 starts of runs that wait took
// workerd 1.8-2.0 s of CPU, against 1.2-1.4 s with it off, and 200 of the floor's new objects 0.94-0.99 s
// against 0.81-0.85 s. Both sides of every bench run without it. `X_LOCAL_OBSERVABILITY=true` in the
// environment measures with it.
export function benchDevEnv(): Record<string, string> {
  return { X_LOCAL_OBSERVABILITY: process.env.X_LOCAL_OBSERVABILITY ?? "false" };
}

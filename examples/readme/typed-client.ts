// A typed client for a running Stepwise: starts an await-approval run, reads it, approves it, prints the result.
//   STEPWISE_TOKEN=$TOKEN npx node examples/readme/typed-client.ts     (STEPWISE_URL defaults to http://localhost:8787)
import { hc } from "hono/client";
import type { AppType } from "stepwise";

const token = process.env.STEPWISE_TOKEN;
if (!token) throw new Error("set STEPWISE_TOKEN to the API token (API_TOKEN in .dev.vars under npm start)");
const api = hc<AppType>(process.env.STEPWISE_URL ?? "http://localhost:8787", { headers: { authorization: `Bearer ${token}` } });

const started = await api.api.workflows[":name"].runs.$post({ param: { name: "await-approval" }, json: { args: { request: "ship v2" } } });
if (!started.ok) throw new Error(`start refused: ${started.status} ${await started.text()}`);
const { runId } = await started.json();

const read = async () => (await api.api.runs[":runId"].$get({ param: { runId }, query: { steps: "none" } })).json();
const run = await read();
console.log(`${runId}: ${run.status} (${run.waitingFor.map((w) => (w.kind === "signal" ? `signal "${w.signal}"` : w.kind)).join(", ")})`);

const signaled = await api.api.runs[":runId"].signals[":signal"].$post({
  param: { runId, signal: "approval" },
  json: { payload: { approved: true, by: "ada" } },
});
if (!signaled.ok) throw new Error(`signal refused: ${signaled.status} ${await signaled.text()}`);

// The signal is stored (202); the run takes it and ends a moment later.
let done = await read();
for (let tries = 0; done.completedAt === null && tries < 100; tries++) {
  await new Promise((resolve) => setTimeout(resolve, 100));
  done = await read();
}
if (done.status !== "completed") throw new Error(`${runId}: ${done.status}`);
console.log(`${runId}: completed ${JSON.stringify(done.result)}`);

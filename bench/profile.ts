/// <reference types="node" />
// Where the time goes: a CPU profile of the bench Worker (bench/wrangler.bench.toml, a snapshot bundle) while it
// does one of the bench's workloads, through the DevTools protocol of `wrangler dev`.
//
//   node bench/profile.ts steps  [--n=10000] [--runs=1]   runs of n sequential steps, one after the other,
//                                              each started with its answer held until it ends (?wait=)
//   node bench/profile.ts starts [--n=200]     n runs of 10 steps started at once (--serial: one after the other)
//   node bench/profile.ts waits [--n=200]      n runs that wait for a signal, started at once (as the bench's 2b)
//   node bench/profile.ts replay [--n=10000]   a run of n steps that waits, after SIGKILL + restart, signalled
//   node bench/profile.ts creates [--n=200]    the floor's: n new bare objects at once (bench/floor.ts)
//   ... [--top=30] [--out=FILE.cpuprofile]     how many functions to list; save the profile for DevTools,
//                                              and the bundle its line numbers refer to as FILE.cpuprofile.js
//
// Prints the functions with the most self time (native calls such as SQLite's are counted to the JS
// function that made them) and the share of the busy time each took.
import { copyFileSync, rmSync, writeFileSync } from "node:fs";
import { startWranglerDev } from "../test/helpers/wrangler-dev.ts";
import { benchDevEnv } from "./dev-env.ts";
import { Inspector, topSelfTime } from "./inspector.ts";
import { snapshot } from "./snapshot.ts";

const TOKEN = "bench-token";
const [workload = "steps", ...rest] = process.argv.slice(2);
const flag = (name: string) => rest.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const n = Number(flag("n") ?? (workload === "starts" || workload === "waits" || workload === "creates" ? 200 : 10_000));
const top = Number(flag("top") ?? 30);
const out = flag("out");
if (!["steps", "starts", "waits", "replay", "creates"].includes(workload)) {
  throw new Error(`unknown workload ${workload}: steps, starts, waits, replay or creates`);
}

const snap = snapshot("bench/wrangler.bench.toml");
const dev = await startWranglerDev({ config: snap.config, cwd: snap.dir, vars: { API_TOKEN: TOKEN }, env: benchDevEnv() });
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
async function api(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(dev.url + path, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}
const start = async (steps: number, waitAtEnd = false): Promise<string> =>
  (await api("POST", "/api/workflows/bench-chain/runs", { args: { steps, waitAtEnd } })).runId;
async function until(id: string, done: (b: any) => boolean): Promise<void> {
  for (;;) {
    const b = await api("GET", `/api/runs/${id}?steps=none`);
    if (done(b)) return;
    if (b.status === "failed" || b.status === "canceled") throw new Error(`run ${id} ${b.status}`);
    await sleep(10);
  }
}

try {
  // Warm-up: the code is compiled and the objects' classes are loaded before the profile starts.
  await until(await start(50), (b) => b.status === "completed");
  let replayId: string | undefined;
  if (workload === "replay") {
    replayId = await start(n, true);
    await until(replayId, (b) => b.status === "waiting" && b.stepCount >= n);
    await dev.stop("SIGKILL");
    await dev.restart();
  }
  const inspector = await Inspector.open(dev.inspectorPort);
  await inspector.startProfile();
  const t0 = performance.now();
  if (workload === "steps") {
    for (let r = 0; r < Number(flag("runs") ?? 1); r++) {
      const held = await api("POST", "/api/workflows/bench-chain/runs?wait=60", { args: { steps: n } });
      await until(held.runId, (b) => b.status === "completed");
    }
  } else if (workload === "starts") {
    const ids: string[] = [];
    if (rest.includes("--serial")) for (let i = 0; i < n; i++) ids.push(await start(10));
    else ids.push(...(await Promise.all(Array.from({ length: n }, () => start(10)))));
    for (const id of ids) await until(id, (b) => b.status === "completed");
  } else if (workload === "waits") {
    await Promise.all(Array.from({ length: n }, () => start(0, true)));
  } else if (workload === "creates") {
    await Promise.all(Array.from({ length: n }, (_, i) => api("POST", "/bench/floor/create", { name: `profile-${i}` })));
  } else {
    await api("POST", `/api/runs/${replayId}/signals/go`, { payload: true });
    await until(replayId!, (b) => b.status === "completed");
  }
  const ms = performance.now() - t0;
  const profile = await inspector.stopProfile();
  inspector.close();
  if (out !== undefined) {
    writeFileSync(out, JSON.stringify(profile));
    copyFileSync(snap.bundle, `${out}.js`);
  }
  const { functions, busyMs, outsideMs } = topSelfTime(profile, top);
  console.log(
    `${workload} n=${n}: ${ms.toFixed(0)} ms wall, ${busyMs.toFixed(0)} ms sampled in JavaScript and what it called, ` +
      `${outsideMs.toFixed(0)} ms with the isolate not running (gaps between samples); top ${top} functions by self time:`,
  );
  for (const f of functions) console.log(`${f.ms.toFixed(1).padStart(8)} ms ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.fn}`);
} finally {
  await dev.dispose();
  rmSync(snap.dir, { recursive: true, force: true });
}

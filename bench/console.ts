/// <reference types="node" />
// `node bench/console.ts` (part of `npm run bench`): the console's two heavy pages, in one local
// `wrangler dev` of the bench Worker (bench/wrangler.bench.toml):
//   1. the run list with 10,000 runs in the index: server time of the first page (GET /console, the
//      page a signed-in browser asks for, and GET /api/runs?limit=50&counts=true under it), median and p95
//      of 50 requests each, timed in Node from request to the last byte;
//   2. the run page of a 10,000-step run in headless Chromium: time from navigation start to the first
//      rendered timeline window (the page's `stepwise:timeline-ready` mark), median of 5 loads.
// Targets (issue 13): list p95 under 100 ms; run page under 1 s. `--quick`: 1,000 runs and steps.
import { existsSync } from "node:fs";
import { CHROMIUM, launchChromium } from "../test/helpers/chromium.ts";
import { startWranglerDev } from "../test/helpers/wrangler-dev.ts";
import { benchDevEnv } from "./dev-env.ts";

const TOKEN = "bench-token";
const quick = process.argv.includes("--quick");
const RUNS = quick ? 1_000 : 10_000;
const STEPS = quick ? 1_000 : 10_000;

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

const dev = await startWranglerDev({ config: "bench/wrangler.bench.toml", vars: { API_TOKEN: TOKEN }, env: benchDevEnv() });
try {
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(dev.url + path, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as any;
  };

  // A session cookie, as the sign-in form makes one.
  const signIn = await fetch(`${dev.url}/console/sign-in`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token: TOKEN, next: "/console" }),
  });
  const cookie = signIn.headers.get("set-cookie")?.split(";")[0];
  if (!cookie) throw new Error(`sign-in answered ${signIn.status} without a cookie`);

  let t = performance.now();
  await api("POST", `/bench/seed-index?n=${RUNS}`);
  console.log(`seeded the run index with ${RUNS} runs in ${(performance.now() - t).toFixed(0)} ms`);

  const time = async (path: string, headers: Record<string, string>) => {
    const samples: number[] = [];
    for (let i = 0; i < 55; i++) {
      const t0 = performance.now();
      const res = await fetch(dev.url + path, { headers });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${path}: ${res.status}`);
      if (i >= 5) samples.push(performance.now() - t0); // the first five warm up
    }
    return samples;
  };
  for (const [label, path, headers] of [
    ["GET /console (page)", "/console", { cookie }],
    ["GET /api/runs?limit=50&counts=true", "/api/runs?limit=50&counts=true", { authorization: `Bearer ${TOKEN}` }],
  ] as const) {
    const s = await time(path, headers);
    console.log(`run list, ${RUNS} runs in the index, ${label}: median ${pct(s, 50).toFixed(1)} ms, p95 ${pct(s, 95).toFixed(1)} ms (target p95 < 100 ms)`);
  }

  t = performance.now();
  const { runId } = await api("POST", "/api/workflows/bench-chain/runs", { args: { steps: STEPS } });
  for (;;) {
    const run = await api("GET", `/api/runs/${runId}?steps=none`);
    if (run.status === "completed") break;
    if (run.status === "failed") throw new Error(`the ${STEPS}-step run failed`);
    await new Promise((r) => setTimeout(r, 20));
  }
  console.log(`a ${STEPS}-step run completed in ${(performance.now() - t).toFixed(0)} ms`);

  if (!existsSync(CHROMIUM)) {
    console.log(`run page: skipped (no Chromium at ${CHROMIUM}; apt-get install chromium)`);
  } else {
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const [name, value] = cookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: dev.url }]);
      const loads: number[] = [];
      for (let i = 0; i < 6; i++) {
        const page = await context.newPage();
        await page.goto(`${dev.url}/console/runs/${runId}`);
        await page.waitForSelector("body[data-timeline=ready]", { timeout: 30_000 });
        const ms = await page.evaluate(() => performance.getEntriesByName("stepwise:timeline-ready")[0]?.startTime ?? Number.NaN);
        if (i > 0) loads.push(ms); // the first load warms the isolate and the asset cache
        await page.close();
      }
      console.log(
        `run page of a ${STEPS}-step run, first timeline render: median ${pct(loads, 50).toFixed(0)} ms, max ${Math.max(...loads).toFixed(0)} ms (target < 1000 ms)`,
      );
    } finally {
      await browser.close();
    }
  }
} finally {
  await dev.dispose();
}

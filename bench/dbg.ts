import { startWranglerDev } from "../test/helpers/wrangler-dev.ts";
const dev = await startWranglerDev({ config: "bench/wrangler.bench.toml", vars: { API_TOKEN: "t" } });
const h = { authorization: "Bearer t", "content-type": "application/json" };
const med = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
try {
  for (let round = 0; round < 2; round++) {
    const starts: number[] = [], done: number[] = [], creates: number[] = [], startOnly: number[] = [];
    for (let i = 0; i < 20; i++) {
      let t0 = performance.now();
      await (await fetch(dev.url + "/bench/floor/create", { method: "POST", body: JSON.stringify({ name: `c${round}-${i}` }) })).json();
      creates.push(performance.now() - t0);
      t0 = performance.now();
      const { runId } = await (await fetch(dev.url + "/api/workflows/bench-chain/runs", { method: "POST", headers: h, body: JSON.stringify({ args: { steps: 1 } }) })).json();
      starts.push(performance.now() - t0);
      for (;;) { const b = await (await fetch(`${dev.url}/api/runs/${runId}?steps=none`, { headers: h })).json(); if (b.status === "completed") break; await new Promise((r) => setTimeout(r, 1)); }
      done.push(performance.now() - t0);
      t0 = performance.now();
      await (await fetch(dev.url + "/api/workflows/bench-chain/runs", { method: "POST", headers: h, body: JSON.stringify({ args: { steps: 0, waitAtEnd: true } }) })).json();
      startOnly.push(performance.now() - t0);
    }
    console.log(`floor create ${med(creates).toFixed(1)} ms | start (1 step) answered ${med(starts).toFixed(1)} ms, completed seen ${med(done).toFixed(1)} ms | start of a run that waits ${med(startOnly).toFixed(1)} ms`);
  }
} finally { await dev.dispose(); }

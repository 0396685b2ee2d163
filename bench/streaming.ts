/// <reference types="node" />
// The chat streaming bench: how long a text delta takes from the model emitting it to a connected
// WebSocket client receiving it (1 and 200 clients on one answer), and what 1,000 idle sockets cost.
//
//   node bench/streaming.ts [--quick] [--json=FILE]                      standalone
//   import { runStreamingBench, formatStreamingBench } from "./streaming.ts"   from bench/index.ts
//
// Method. bench/streaming-worker.ts gives threads a chat agent whose model stamps each text delta with
// the time (Date.now() in workerd) it hands the delta to the ai SDK. Node clients speak the
// WebSocketChatTransport protocol: one sends the prompt, the others `resume` the answer before its first
// delta, and every client notes when each delta frame arrives (Date.now()). Both read the machine's wall
// clock at the moment (not a monotonic clock anchored at process start, which drifts from the wall clock
// when it is adjusted during a long bench: that gave negative latencies once); both have 1 ms resolution,
// so each sample may read up to 1 ms off. The path measured is the whole production path: ai SDK -> UI chunk -> RPC to the
// thread object -> SQLite append -> fan-out to every socket -> loopback -> the Node client's event loop
// (which also parses the other clients' frames: with 200 clients the client side is part of the cost).
//
// Load: the thread index's upserts per second, and prompts saved to one thread per second, each called
// from inside the Worker at a few levels of calls in flight (what docs/capacity.md plans threads with).
//
// Memory: workerd's resident memory (every workerd process of the dev server: locally each socket also
// passes through wrangler's proxy Worker) and the Worker isolate's JS heap after a full collection
// (DevTools protocol through wrangler's inspector proxy: a heap snapshot, then Runtime.getHeapUsage) before 1,000
// sockets connect, once they are connected, and after they sat idle long enough for workerd to evict
// the object (10 s of inactivity). The bench then checks the object was really evicted (a new instance
// id) while all 1,000 sockets stayed connected, and that a socket still answers after the wake-up.
import { writeFileSync } from "node:fs";
import { groupProcesses, startWranglerDev, type DevServer } from "../test/helpers/wrangler-dev.ts";
import { benchDevEnv } from "./dev-env.ts";
import { Inspector } from "./inspector.ts";

export const STREAMING_BENCH_CONFIG = "bench/wrangler.streaming.toml";
const TOKEN = "bench-token";

export interface StreamingBenchOptions {
  quick?: boolean;
  /** A server already running bench/wrangler.streaming.toml; by default one is started and stopped here. */
  dev?: DevServer;
  log?: (line: string) => void;
}

export interface LatencyRow {
  clients: number;
  deltas: number;
  intervalMs: number;
  samples: number;
  medianMs: number;
  p99Ms: number;
  maxMs: number;
}

export interface MemoryRow {
  sockets: number;
  rssBaselineMiB: number;
  rssConnectedMiB: number;
  rssHibernatedMiB: number;
  heapBaselineMiB: number;
  heapConnectedMiB: number;
  heapHibernatedMiB: number;
  /** Whether the thread object had a new instance after the idle time (it was evicted), with every socket still connected. */
  evicted: boolean;
  socketsAfter: number;
  idleS: number;
}

/** Calls to one shared object from inside the Worker, `concurrency` in flight (bench/streaming-worker.ts, loadFetch). */
export interface LoadRow {
  what: "thread index upserts" | "prompts saved to one thread";
  concurrency: number;
  calls: number;
  perSecond: number;
}

export interface StreamingBenchResult {
  latency: LatencyRow[];
  /** The floor: a bare object sending the same frames to the same number of sockets (bench/floor.ts). */
  floor: LatencyRow;
  memory: MemoryRow;
  /** What the thread index and one thread take (docs/capacity.md). */
  load: LoadRow[];
}

const now = () => Date.now();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function runStreamingBench(opts: StreamingBenchOptions = {}): Promise<StreamingBenchResult> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const dev = opts.dev ?? (await startWranglerDev({ config: STREAMING_BENCH_CONFIG, vars: { API_TOKEN: TOKEN }, env: benchDevEnv() }));
  const api = async (method: string, path: string): Promise<any> => {
    const res = await fetch(dev.url + path, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: method === "POST" ? JSON.stringify({ userId: "bench" }) : undefined,
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const newThread = async (): Promise<string> => (await api("POST", "/api/threads")).threadId;
  const connect = async (threadId: string, n: number): Promise<Client[]> => {
    // A ticket opens sockets for its 60 s; one per 50 sockets keeps the setup short.
    const clients: Client[] = [];
    for (let i = 0; i < n; i += 50) {
      const { chatUrl } = await api("POST", `/api/threads/${threadId}/ws-ticket`);
      clients.push(...(await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => Client.open(`${dev.url.replace("http", "ws")}${chatUrl}`)))));
    }
    return clients;
  };

  try {
    const deltas = opts.quick ? 60 : 300;
    const intervalMs = 20;
    log(`warm-up: one answer of 20 deltas`);
    await measureLatency(await connect(await newThread(), 1), 20, 5);

    const latency: LatencyRow[] = [];
    for (const clients of [1, 200]) {
      const row = await measureLatency(await connect(await newThread(), clients), deltas, intervalMs);
      log(
        `${clients} client(s): ${row.samples} deltas received, median ${row.medianMs.toFixed(2)} ms, p99 ${row.p99Ms.toFixed(2)} ms, max ${row.maxMs.toFixed(2)} ms`,
      );
      latency.push(row);
    }

    const floor = await measureFloorFanout(dev, 200, deltas, intervalMs);
    log(`floor, a bare object to 200 sockets: median ${floor.medianMs.toFixed(2)} ms, p99 ${floor.p99Ms.toFixed(2)} ms, max ${floor.maxMs.toFixed(2)} ms`);

    const memory = await measureMemory(dev, newThread, connect, opts.quick ? 200 : 1000, log);

    // After the memory figures, which these would disturb: the objects every thread shares or every chat message goes through.
    const load: LoadRow[] = [];
    const calls = opts.quick ? 400 : 2_000;
    const loads: [LoadRow["what"], string, number[]][] = [
      ["thread index upserts", "/bench/threads/index-upserts", [10, 100, 400]],
      ["prompts saved to one thread", "/bench/threads/appends", [1, 10, 100]],
    ];
    for (const [what, path, levels] of loads) {
      for (const concurrency of levels) {
        const res = await fetch(dev.url + path, { method: "POST", body: JSON.stringify({ tag: `load-${now()}-${concurrency}`, n: calls, concurrency }) });
        if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
        const { ms } = (await res.json()) as { ms: number };
        const row: LoadRow = { what, concurrency, calls, perSecond: (calls / ms) * 1000 };
        log(`${what}, ${concurrency} in flight: ${calls} in ${ms.toFixed(0)} ms = ${row.perSecond.toFixed(0)}/s`);
        load.push(row);
      }
    }
    return { latency, floor, memory, load };
  } finally {
    if (opts.dev === undefined) await dev.dispose();
  }
}

/** Client 0 asks for an answer; the others resume it before its first delta; every delta's delay is a sample. */
async function measureLatency(clients: Client[], deltas: number, intervalMs: number): Promise<LatencyRow> {
  const [sender, ...followers] = clients;
  if (sender === undefined) throw new Error("no clients");
  // Long enough before the first delta for every follower to attach (their resumes go out at once).
  const waitMs = 1000 + 5 * followers.length;
  const prompt = `bench deltas=${deltas} interval=${intervalMs} wait=${waitMs}`;
  const started = sender.request({
    type: "send",
    requestId: "r0",
    id: "bench",
    trigger: "submit-message",
    messages: [{ id: `u_${crypto.randomUUID()}`, role: "user", parts: [{ type: "text", text: prompt }] }],
    headers: {},
    body: {},
  });
  await started.start;
  const attached = followers.map((c, i) => c.request({ type: "resume", requestId: `f${i}`, id: "bench", headers: {}, body: {} }));
  await Promise.all(attached.map((a) => a.start));
  const all = [started, ...attached];
  await Promise.all(all.map((a) => a.done));
  const samples: number[] = [];
  for (const a of all) {
    if (a.deltas.length !== deltas) throw new Error(`a client got ${a.deltas.length} of ${deltas} deltas`);
    // Only deltas emitted after this client attached were delivered live.
    for (const d of a.deltas) if (d.emittedAt > a.startedAt) samples.push(d.receivedAt - d.emittedAt);
  }
  for (const c of clients) c.close();
  const sorted = samples.sort((x, y) => x - y);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { clients: clients.length, deltas, intervalMs, samples: sorted.length, medianMs: at(0.5), p99Ms: at(0.99), maxMs: sorted.at(-1)! };
}

/**
 * The floor of the fan-out: `sockets` WebSockets on one bare object, which sends `deltas` frames of a
 * chat delta's shape to all of them, `intervalMs` apart, each stamped as the chat's are (Date.now() in
 * workerd as it is sent); every frame's delay at every socket is a sample, read as the chat's are.
 */
async function measureFloorFanout(dev: DevServer, sockets: number, deltas: number, intervalMs: number): Promise<LatencyRow> {
  const name = `fanout-${Date.now().toString(36)}`;
  const url = `${dev.url.replace("http", "ws")}/bench/floor/fanout/${name}`;
  const samples: number[] = [];
  let received = 0;
  let allIn!: () => void;
  const done = new Promise<void>((resolve) => (allIn = resolve));
  const open = (): Promise<WebSocket> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.addEventListener("message", (e) => {
        const receivedAt = now();
        const stamp = /<t=(\d+)>/.exec(String(e.data));
        if (stamp !== null) samples.push(receivedAt - Number(stamp[1]));
        if (++received === sockets * deltas) allIn();
      });
      ws.addEventListener("open", () => resolve(ws), { once: true });
      ws.addEventListener("error", () => reject(new Error(`WebSocket ${url} failed to open`)), { once: true });
    });
  const clients: WebSocket[] = [];
  for (let i = 0; i < sockets; i += 50) clients.push(...(await Promise.all(Array.from({ length: Math.min(50, sockets - i) }, open))));
  const res = await fetch(`${dev.url}/bench/floor/fanout/${name}`, { method: "POST", body: JSON.stringify({ deltas, interval: intervalMs }) });
  const { sockets: seen } = (await res.json()) as { sockets: number };
  if (seen !== sockets) throw new Error(`the floor object saw ${seen} of ${sockets} sockets`);
  await Promise.race([done, sleep(30_000).then(() => Promise.reject(new Error(`the floor's sockets got ${received} of ${sockets * deltas} frames`)))]);
  for (const ws of clients) ws.close();
  const sorted = samples.sort((x, y) => x - y);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { clients: sockets, deltas, intervalMs, samples: sorted.length, medianMs: at(0.5), p99Ms: at(0.99), maxMs: sorted.at(-1)! };
}

async function measureMemory(
  dev: DevServer,
  newThread: () => Promise<string>,
  connect: (threadId: string, n: number) => Promise<Client[]>,
  sockets: number,
  log: (line: string) => void,
): Promise<MemoryRow> {
  const inspector = await Inspector.open(dev.inspectorPort);
  try {
    const threadId = await newThread();
    const instance = async (): Promise<{ instance: string; sockets: number }> =>
      (await fetch(`${dev.url}/bench/threads/${threadId}/instance`)).json() as Promise<any>;
    const before = await instance();
    // A heap snapshot makes workerd allocate; one now keeps the later ones from growing its RSS.
    await inspector.heapMiB();
    const idleS = 15;
    await sleep(idleS * 1000); // the new object is idle too, so the baseline is measured after an eviction as well
    const baseline = { rss: workerdRssMiB(dev), heap: await inspector.heapMiB() };
    const perPidBefore = workerdRssByPid(dev);
    const clients = await connect(threadId, sockets);
    await sleep(500);
    const connected = { rss: workerdRssMiB(dev), heap: await inspector.heapMiB() };
    const growth = [...workerdRssByPid(dev)].map(([pid, mib]) => `pid ${pid} +${(mib - (perPidBefore.get(pid) ?? 0)).toFixed(1)} MiB`).join(", ");
    log(`workerd RSS growth per process with ${sockets} sockets: ${growth}`);
    log(
      `${sockets} sockets connected: workerd RSS ${baseline.rss.toFixed(1)} -> ${connected.rss.toFixed(1)} MiB, isolate heap ${baseline.heap.toFixed(1)} -> ${connected.heap.toFixed(1)} MiB; idle ${idleS} s`,
    );
    await sleep(idleS * 1000);
    const hibernated = { rss: workerdRssMiB(dev), heap: await inspector.heapMiB() };
    const after = await instance(); // wakes the object
    const open = clients.filter((c) => c.isOpen()).length;
    // A socket still speaks after the wake-up: no answer in flight, so `no-active`.
    const probe = clients[0]!.request({ type: "resume", requestId: "probe", id: "bench", headers: {}, body: {} });
    const reply = await probe.settled;
    if (reply !== "no-active") throw new Error(`a socket answered ${reply} after hibernation`);
    if (open !== sockets || after.sockets !== sockets) throw new Error(`${open} client sockets open, the object sees ${after.sockets}, of ${sockets}`);
    for (const c of clients) c.close();
    const row: MemoryRow = {
      sockets,
      rssBaselineMiB: baseline.rss,
      rssConnectedMiB: connected.rss,
      rssHibernatedMiB: hibernated.rss,
      heapBaselineMiB: baseline.heap,
      heapConnectedMiB: connected.heap,
      heapHibernatedMiB: hibernated.heap,
      evicted: after.instance !== before.instance,
      socketsAfter: after.sockets,
      idleS,
    };
    log(
      `after ${idleS} s idle: workerd RSS ${hibernated.rss.toFixed(1)} MiB, isolate heap ${hibernated.heap.toFixed(1)} MiB; object evicted: ${row.evicted}; sockets still connected: ${open}`,
    );
    return row;
  } finally {
    inspector.close();
  }
}

/** Resident memory of the dev server's workerd processes (the Worker's runtime and wrangler's proxy), summed. */
function workerdRssMiB(dev: DevServer): number {
  const kib = groupProcesses(dev.pid!)
    .filter((p) => p.comm === "workerd")
    .reduce((sum, p) => sum + p.rssKiB, 0);
  return kib / 1024;
}

/** Each workerd process's resident memory, by pid. */
function workerdRssByPid(dev: DevServer): Map<number, number> {
  return new Map(
    groupProcesses(dev.pid!)
      .filter((p) => p.comm === "workerd")
      .map((p) => [p.pid, p.rssKiB / 1024]),
  );
}

interface Delta {
  emittedAt: number;
  receivedAt: number;
}

interface Request {
  start: Promise<void>;
  done: Promise<void>;
  /** The type of the frame that settled the request: "end", "error" or "no-active". */
  settled: Promise<string>;
  startedAt: number;
  deltas: Delta[];
}

/** One chat WebSocket speaking the WebSocketChatTransport protocol, timing the deltas it receives. */
class Client {
  readonly #ws: WebSocket;
  readonly #requests = new Map<string, { req: Request; started: () => void; settle: (type: string) => void; fail: (err: Error) => void }>();

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.addEventListener("message", (e) => {
      const receivedAt = now();
      const frame = JSON.parse(String(e.data)) as { type: string; requestId: string; chunk?: { type: string; delta?: string }; errorText?: string };
      const r = this.#requests.get(frame.requestId);
      if (r === undefined) return;
      if (frame.type === "start") {
        r.req.startedAt = receivedAt;
        r.started();
      } else if (frame.type === "chunk" && frame.chunk?.type === "text-delta") {
        const stamp = /<t=(\d+)>/.exec(frame.chunk.delta ?? "");
        if (stamp !== null) r.req.deltas.push({ emittedAt: Number(stamp[1]), receivedAt });
      } else if (frame.type === "end" || frame.type === "no-active") {
        r.settle(frame.type);
      } else if (frame.type === "error") {
        r.fail(new Error(`error frame: ${frame.errorText}`));
      }
    });
  }

  static open(url: string): Promise<Client> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.addEventListener("open", () => resolve(new Client(ws)), { once: true });
      ws.addEventListener("error", () => reject(new Error(`WebSocket ${url.replace(/ticket=[^&]+/, "ticket=…")} failed to open`)), { once: true });
    });
  }

  request(frame: { type: string; requestId: string } & Record<string, unknown>): Request {
    let started!: () => void;
    let settle!: (type: string) => void;
    let fail!: (err: Error) => void;
    const start = new Promise<void>((r) => (started = r));
    const settled = new Promise<string>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    const req: Request = { start, settled, done: settled.then(() => {}), startedAt: Infinity, deltas: [] };
    void settled.catch(() => {});
    this.#requests.set(frame.requestId, {
      req,
      started,
      settle,
      fail: (err) => {
        started();
        fail(err);
      },
    });
    this.#ws.send(JSON.stringify(frame));
    return req;
  }

  isOpen(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  close(): void {
    this.#ws.close();
  }
}

/** The result as table lines (markdown). */
export function formatStreamingBench(r: StreamingBenchResult): string {
  const lines = [
    "| chat streaming: model delta -> client | deltas (every ms) | samples | median ms | p99 ms | max ms |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  const line = (label: string, l: LatencyRow) =>
    `| ${label} | ${l.deltas} (${l.intervalMs}) | ${l.samples} | ${l.medianMs.toFixed(2)} | ${l.p99Ms.toFixed(2)} | ${l.maxMs.toFixed(2)} |`;
  for (const l of r.latency) lines.push(line(`${l.clients} connected socket${l.clients === 1 ? "" : "s"}`, l));
  lines.push(line(`floor: a bare object's frame to ${r.floor.clients} sockets`, r.floor));
  const chat = r.latency.find((l) => l.clients === r.floor.clients);
  if (chat !== undefined) {
    const x = chat.p99Ms / r.floor.p99Ms;
    lines.push(
      "",
      `| target | measured | result |`,
      "| --- | ---: | --- |",
      `| chat delta p99 at ${chat.clients} sockets <= 2x the floor's fan-out p99 | ${x.toFixed(2)}x (${chat.p99Ms.toFixed(2)} vs ${r.floor.p99Ms.toFixed(2)} ms) | ${x <= 2 ? "PASS" : "FAIL"} |`,
    );
  }
  const m = r.memory;
  const perSocket = (a: number, b: number) => `${(((b - a) * 1024) / m.sockets).toFixed(1)} KiB/socket`;
  lines.push("", `| ${m.sockets} idle sockets on one thread | before | connected | after ${m.idleS} s idle |`, "| --- | ---: | ---: | ---: |");
  lines.push(
    `| workerd RSS, MiB | ${m.rssBaselineMiB.toFixed(1)} | ${m.rssConnectedMiB.toFixed(1)} (${perSocket(m.rssBaselineMiB, m.rssConnectedMiB)}) | ${m.rssHibernatedMiB.toFixed(1)} (${perSocket(m.rssBaselineMiB, m.rssHibernatedMiB)}) |`,
  );
  lines.push(
    `| Worker isolate JS heap, MiB | ${m.heapBaselineMiB.toFixed(2)} | ${m.heapConnectedMiB.toFixed(2)} (${perSocket(m.heapBaselineMiB, m.heapConnectedMiB)}) | ${m.heapHibernatedMiB.toFixed(2)} (${perSocket(m.heapBaselineMiB, m.heapHibernatedMiB)}) |`,
  );
  lines.push(
    "",
    `After the idle time the thread object ${m.evicted ? "had been evicted (a new instance answered)" : "had NOT been evicted (the same instance answered)"}, with ${m.socketsAfter} of ${m.sockets} sockets still accepted, and a socket answered \`resume\` with \`no-active\`.`,
  );
  lines.push("", "| one shared object, called from inside the Worker | in flight | calls | per second |", "| --- | ---: | ---: | ---: |");
  for (const l of r.load) lines.push(`| ${l.what} | ${l.concurrency} | ${l.calls} | ${l.perSecond.toFixed(0)} |`);
  return lines.join("\n");
}

if (import.meta.main) {
  const argv = process.argv.slice(2);
  const json = argv.find((a) => a.startsWith("--json="))?.slice(7);
  const result = await runStreamingBench({ quick: argv.includes("--quick") });
  console.log(`\n${formatStreamingBench(result)}`);
  if (json !== undefined) writeFileSync(json, JSON.stringify(result, null, 2));
}

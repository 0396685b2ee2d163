// The DevTools protocol of a `wrangler dev` Worker, through wrangler's inspector proxy (one client at a
// time): the isolate's heap after a full collection, and CPU profiles of what the Worker runs.

/** The Worker isolate's heap over the DevTools protocol (wrangler's inspector proxy takes one client). */
export class Inspector {
  readonly #ws: WebSocket;
  #id = 0;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
  }

  static open(port: number): Promise<Inspector> {
    return new Promise((resolve, reject) => {
      // The proxy refuses an upgrade without an allowed Origin (undici's WebSocket takes headers here).
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { origin: "http://localhost" } } as unknown as string[]);
      ws.addEventListener("open", () => resolve(new Inspector(ws)), { once: true });
      ws.addEventListener("error", () => reject(new Error(`the inspector on port ${port} refused the connection`)), { once: true });
    });
  }

  call(method: string, params: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<any> {
    const id = ++this.#id;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: no answer from the inspector`)), timeoutMs);
      const onMessage = (e: MessageEvent) => {
        const msg = JSON.parse(String(e.data)) as { id?: number; result?: unknown };
        if (msg.id !== id) return;
        clearTimeout(timer);
        this.#ws.removeEventListener("message", onMessage);
        resolve(msg.result);
      };
      this.#ws.addEventListener("message", onMessage);
      this.#ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /**
   * The heap in use after a full collection (taking a heap snapshot runs one; workerd does not answer
   * collectGarbage). Then the heap profiler is disabled again: after a snapshot, V8 keeps the ids of
   * the heap's objects and records every move the collector makes until it is, and the isolate's code
   * runs slower meanwhile (runs of 20,000 steps here took 1,094-1,176 ms with it, 552-790 ms without).
   */
  async heapMiB(): Promise<number> {
    await this.call("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
    const { usedSize } = (await this.call("Runtime.getHeapUsage")) as { usedSize: number };
    await this.call("HeapProfiler.disable");
    return usedSize / 1024 / 1024;
  }

  /** Starts sampling the isolate's CPU every `intervalUs` microseconds. */
  async startProfile(intervalUs = 100): Promise<void> {
    await this.call("Profiler.enable");
    await this.call("Profiler.setSamplingInterval", { interval: intervalUs });
    await this.call("Profiler.start");
  }

  /** Stops sampling; the profile as DevTools saves it (a .cpuprofile). */
  async stopProfile(): Promise<CpuProfile> {
    const { profile } = (await this.call("Profiler.stop")) as { profile: CpuProfile };
    return profile;
  }

  close(): void {
    this.#ws.close();
  }
}

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/**
 * A sample stands for at most this long. V8 samples the isolate only while workerd runs it: between
 * two samples that far apart the isolate was not running (workerd's event loop, its I/O, the storage's
 * commits), and that time belongs to no JavaScript function, neither the one sampled before nor after.
 * Counting the whole gap put, in a profile of 400 starts, 688 ms on one call of Hono's
 * tryDecodeURIComponent and 6.3 s of 9.4 s on samples that followed a gap of more than a millisecond.
 */
const GAP_US = 1_000;

/**
 * The functions that held the CPU longest by self time, with their share of the samples that were not
 * idle; and the time between samples beyond GAP_US, when the isolate was not running (`outsideMs`).
 */
export function topSelfTime(profile: CpuProfile, top = 25): { functions: { fn: string; ms: number; share: number }[]; busyMs: number; outsideMs: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let busy = 0;
  let outside = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    outside += Math.max(0, delta - GAP_US) / 1000;
    const node = byId.get(id);
    if (node === undefined) return;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === "(idle)" || functionName === "(program)") return;
    const ms = Math.min(delta, GAP_US) / 1000;
    busy += ms;
    const file = url.split("/").at(-1) ?? "";
    const key = `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + ms);
  });
  const functions = [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, ms]) => ({ fn, ms, share: busy === 0 ? 0 : ms / busy }));
  return { functions, busyMs: busy, outsideMs: outside };
}

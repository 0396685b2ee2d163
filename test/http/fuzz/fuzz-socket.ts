// A client WebSocket for the fuzzer: opened through the Worker's fetch, it keeps every frame raw (the
// server's frames are judged, not trusted to parse) and notes how and when the server closed it.
import { exports } from "cloudflare:workers";
import { ORIGIN } from "./driver.ts";

export interface Closed {
  code: number;
  reason: string;
  /** Whether the server closed first (we had not asked). */
  byServer: boolean;
}

export class FuzzSocket {
  readonly ws: WebSocket;
  /** Text frames as received; a binary frame as `<binary N bytes>`. */
  readonly frames: { text: string; binary: boolean }[] = [];
  closed: Closed | null = null;
  #closing = false;
  #listeners: (() => void)[] = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.accept();
    ws.addEventListener("message", (e) => {
      const data: string | ArrayBuffer = e.data;
      this.frames.push(typeof data === "string" ? { text: data, binary: false } : { text: `<binary ${data.byteLength} bytes>`, binary: true });
      this.#wake();
    });
    ws.addEventListener("close", (e) => {
      this.closed = { code: e.code, reason: e.reason, byServer: !this.#closing };
      this.#wake();
    });
    ws.addEventListener("error", () => {
      this.closed ??= { code: -1, reason: "error event", byServer: !this.#closing };
      this.#wake();
    });
  }

  /** Opens `path` with `headers` (plus the upgrade); the response instead when it is not a socket. */
  static async open(path: string, headers: Record<string, string> = {}): Promise<FuzzSocket | { status: number; text: string }> {
    const res = await exports.default.fetch(new Request(`${ORIGIN}${path}`, { headers: { ...headers, upgrade: "websocket" } }));
    if (res.webSocket === null) return { status: res.status, text: await res.text() };
    return new FuzzSocket(res.webSocket);
  }

  send(data: string | ArrayBuffer): boolean {
    try {
      this.ws.send(data);
      return true;
    } catch {
      return false;
    }
  }

  /** Waits until `done()` holds or the socket closes; false after `ms`. */
  async until(done: () => boolean, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!done()) {
      if (this.closed !== null) return done();
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#listeners.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  /** Closes with `code` (undefined: none) and waits for the server's side of the handshake. */
  async close(code: number | undefined, reason: string, ms = 1_000): Promise<boolean> {
    this.#closing = true;
    try {
      if (code === undefined) this.ws.close();
      else this.ws.close(code, reason);
    } catch {
      // The client refused the code itself (1005, 1006, 1015): close plainly instead.
      this.ws.close(1000, reason);
    }
    return this.until(() => this.closed !== null, ms);
  }

  #wake(): void {
    const ls = this.#listeners;
    this.#listeners = [];
    for (const l of ls) l();
  }
}

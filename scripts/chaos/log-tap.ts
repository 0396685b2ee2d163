// Follows what `wrangler dev` logs during a chaos round: copies it to a file (the helper keeps only the
// last 256 KiB) and picks up the approval emails the local send_email binding writes (`Text: <path>.txt`).
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import type { DevServer } from "../../test/helpers/wrangler-dev.ts";

const TOKEN_RE = /\/approvals\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/;

export class LogTap {
  readonly file: string;
  readonly #dev: DevServer;
  #prev = "";
  /** Email files seen in the logs but not read yet (a file may be logged before it is complete). */
  readonly #unread = new Set<string>();
  /** Injected faults the server logged (those a caller reports; a pushed chunk's is silent). */
  injectedFaults = 0;
  /** runId -> the first approval link token emailed for it. */
  readonly #tokens = new Map<string, string>();

  constructor(dev: DevServer, file: string) {
    this.#dev = dev;
    this.file = file;
    writeFileSync(file, "");
  }

  /** Reads what was logged since the last poll: appends it to the file and looks for emails. */
  poll(): void {
    const cur = this.#dev.logs();
    const fresh = this.#since(cur);
    this.#prev = cur;
    if (fresh !== "") appendFileSync(this.file, fresh);
    this.injectedFaults += fresh.match(/injected fault \((?:fail|hang)\)/g)?.length ?? 0;
    for (const m of fresh.matchAll(/Text: (\S+\.txt)/g)) this.#unread.add(m[1]!);
    for (const path of [...this.#unread]) {
      let text: string;
      try {
        text = readFileSync(path, "utf8");
      } catch {
        continue;
      }
      const token = TOKEN_RE.exec(text)?.[1];
      if (token === undefined) continue;
      this.#unread.delete(path);
      // SAFETY: the claims are JSON the Worker signed (see src/approvals/core/token.ts); `r` is the run id.
      const claims = JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString("utf8")) as { r: string };
      if (!this.#tokens.has(claims.r)) this.#tokens.set(claims.r, token);
    }
  }

  /** The approval link token emailed for a run, once its email was logged. */
  tokenFor(runId: string): string | undefined {
    return this.#tokens.get(runId);
  }

  /** Lines of the whole round's log that mention `needle`, leaving out the request log lines. */
  linesAbout(needle: string, max = 12): string[] {
    this.poll();
    const lines = readFileSync(this.file, "utf8")
      .split("\n")
      .filter((l) => l.includes(needle) && !l.startsWith("[wrangler:info]"));
    return lines.slice(-max);
  }

  /**
   * The part of `cur` logged after `#prev`. The helper's buffer only grows at its end and, once full,
   * drops its start: until then the old buffer is a prefix of the new one; after a drop, the new part
   * follows the last copy of the old buffer's last 4 KiB.
   */
  #since(cur: string): string {
    const prev = this.#prev;
    if (cur.startsWith(prev)) return cur.slice(prev.length);
    const tail = prev.slice(-4096);
    const at = cur.lastIndexOf(tail);
    return at < 0 ? `\n[chaos] some server log was lost here (logged faster than read)\n${cur}` : cur.slice(at + tail.length);
  }
}

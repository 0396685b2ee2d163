// A slot held from a pool: renews its lease on a timer until released (at the pace the pool asks for,
// which follows its lease length), and gives the slot back when the holder's signal aborts.
import { log, loggedError, unwrap } from "../../kernel/index.ts";
import type { SlotLease } from "../../engine/index.ts";
import type { WorkpoolStub } from "../bindings.ts";

export class PoolLease implements SlotLease {
  readonly holderId: string;
  readonly #stub: () => WorkpoolStub;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #released: Promise<void> | null = null;

  constructor(opts: { stub: () => WorkpoolStub; holderId: string; heartbeatMs: number; signal?: AbortSignal }) {
    this.holderId = opts.holderId;
    this.#stub = opts.stub;
    this.#schedule(opts.heartbeatMs);
    if (opts.signal?.aborted) void this.release().catch(() => {});
    opts.signal?.addEventListener("abort", () => void this.release().catch(() => {}), { once: true });
  }

  /** Gives the slot back; safe to call more than once. */
  release(): Promise<void> {
    if (this.#released === null) {
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#released = this.#stub()
        .release({ holderId: this.holderId })
        .then((r) => void unwrap(r));
    }
    return this.#released;
  }

  #schedule(ms: number): void {
    this.#timer = setTimeout(() => void this.#renew(ms), ms);
  }

  async #renew(lastMs: number): Promise<void> {
    let next = lastMs;
    try {
      const reply = unwrap(await this.#stub().heartbeat({ holderId: this.holderId }));
      if (!reply.held) {
        // The pool took the slot back (this holder looked dead for a whole lease): stop renewing.
        if (this.#released === null) log.warn("a pool slot's lease lapsed before its holder released it", { holderId: this.holderId });
        return;
      }
      next = reply.heartbeatMs;
    } catch (err) {
      log.error("renewing a pool slot's lease failed; retried at the next beat", { holderId: this.holderId, error: loggedError(err) });
    }
    if (this.#released === null) this.#schedule(next);
  }
}

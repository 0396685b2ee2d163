// The fault switch for chaos tests (src/engine/faults.ts): STEPWISE_FAULTS is read strictly, does
// nothing when unset, and fails or hangs exactly the share of calls its plan names, at the sites it names.
import { env, withEnv } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { acrossObjects, InjectedFault, parseFaultPlan } from "../../src/engine/faults.ts";
import { systemClock } from "../../src/kernel/index.ts";

/** Runs `fn` with STEPWISE_FAULTS set to `faults` (the rest of the env as the test Worker has it). */
function withFaults<T>(faults: string, fn: () => Promise<T>): Promise<T> {
  // SAFETY: withEnv returns what `fn` returns.
  return withEnv({ ...env, STEPWISE_FAULTS: faults }, fn) as Promise<T>;
}

/** A call to another object, recording each time it is really made. */
const peerCall = () => vi.fn(async () => "answered");

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe("parseFaultPlan", () => {
  it.each([undefined, "", "  ", "off", " off "])("reads %j as no faults", (raw) => {
    expect(parseFaultPlan(raw)).toBeNull();
  });

  it("reads shares, the hang time and the sites", () => {
    expect(parseFaultPlan("fail=0.15, hang=0.03, hangMs=1500, only=run.index|run.child")).toEqual({
      fail: 0.15,
      hang: 0.03,
      hangMs: 1500,
      only: new Set(["run.index", "run.child"]),
    });
    expect(parseFaultPlan("fail=1")).toEqual({ fail: 1, hang: 0, hangMs: 2_000, only: new Set() });
  });

  it.each([
    ["a key without a value", "fail"],
    ["an empty value", "fail="],
    ["a value that is not a number", "fail=often"],
    ["a negative share", "hang=-0.1"],
    ["an infinite hang", "hangMs=Infinity"],
    ["an unknown key", "crash=0.1"],
    ["a misspelt key among good ones", "fail=0.1,hangms=100"],
  ])("refuses %s (%j), quoting the entry", (_what, raw) => {
    const entry = raw.split(",").at(-1)!;
    expect(() => parseFaultPlan(raw)).toThrow(`STEPWISE_FAULTS: cannot read "${entry}"`);
  });

  it.each(["fail=0.6,hang=0.5", "fail=2", "hang=1.01"])("refuses %j: fail + hang over 1", (raw) => {
    expect(() => parseFaultPlan(raw)).toThrow("STEPWISE_FAULTS: fail + hang must not exceed 1");
  });
});

describe("acrossObjects", () => {
  it("makes the call and nothing else when STEPWISE_FAULTS is unset (as in the test Worker and production)", async () => {
    expect(env.STEPWISE_FAULTS).toBeUndefined();
    const roll = vi.spyOn(systemClock, "random");
    const call = peerCall();
    await expect(acrossObjects("run.index", call)).resolves.toBe("answered");
    expect(call).toHaveBeenCalledTimes(1);
    expect(roll).not.toHaveBeenCalled();
  });

  it.each(["", "off"])("makes the call when STEPWISE_FAULTS is %j", async (faults) => {
    const call = peerCall();
    await expect(withFaults(faults, () => acrossObjects("run.child", call))).resolves.toBe("answered");
    expect(call).toHaveBeenCalledTimes(1);
  });

  it("fails every call at once with fail=1, without making it", async () => {
    const call = peerCall();
    for (let i = 0; i < 5; i++) {
      const err = await withFaults("fail=1", () => acrossObjects("step.pool", call)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InjectedFault);
      expect(err).toMatchObject({ code: "fault.injected", message: "injected fault (fail) on step.pool" });
    }
    expect(call).not.toHaveBeenCalled();
  });

  it("hangs for hangMs and then fails with hang=1, without making the call", async () => {
    vi.useFakeTimers();
    const call = peerCall();
    let settled: unknown;
    const pending = withFaults("hang=1,hangMs=5000", () => acrossObjects("thread.stream", call)).catch((e: unknown) => e);
    void pending.then((e) => {
      settled = e;
    });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(await pending).toMatchObject({ code: "fault.injected", message: "injected fault (hang) on thread.stream" });
    expect(call).not.toHaveBeenCalled();
  });

  it("splits calls by the roll: below fail fails, below fail + hang hangs, the rest go through", async () => {
    vi.useFakeTimers();
    const rolls = [0, 0.2499, 0.25, 0.4999, 0.5, 0.99];
    vi.spyOn(systemClock, "random").mockImplementation(() => rolls.shift()!);
    const call = peerCall();
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const pending = withFaults("fail=0.25,hang=0.25,hangMs=10", () => acrossObjects("run.parent", call)).then(
        (v) => v,
        (e: unknown) => (e instanceof InjectedFault ? e.message.replace(" on run.parent", "") : String(e)),
      );
      await vi.advanceTimersByTimeAsync(10);
      outcomes.push(await pending);
    }
    expect(outcomes).toEqual(["injected fault (fail)", "injected fault (fail)", "injected fault (hang)", "injected fault (hang)", "answered", "answered"]);
    expect(call).toHaveBeenCalledTimes(2);
  });

  it("limits faults to the sites named by only=", async () => {
    const call = peerCall();
    await withFaults("fail=1,only=run.index|component.callback", async () => {
      await expect(acrossObjects("run.index", call)).rejects.toThrow("injected fault (fail) on run.index");
      await expect(acrossObjects("component.callback", call)).rejects.toThrow("injected fault (fail) on component.callback");
      await expect(acrossObjects("run.child", call)).resolves.toBe("answered");
      await expect(acrossObjects("step.pool", call)).resolves.toBe("answered");
    });
    expect(call).toHaveBeenCalledTimes(2);
  });

  it("follows a changed STEPWISE_FAULTS, and refuses a bad one when a call is made", async () => {
    const call = peerCall();
    await expect(withFaults("fail=1", () => acrossObjects("run.index", call))).rejects.toBeInstanceOf(InjectedFault);
    await expect(withFaults("off", () => acrossObjects("run.index", call))).resolves.toBe("answered");
    await expect(withFaults("fail=0.7,hang=0.7", () => acrossObjects("run.index", call))).rejects.toThrow("fail + hang must not exceed 1");
    expect(call).toHaveBeenCalledTimes(1);
  });
});

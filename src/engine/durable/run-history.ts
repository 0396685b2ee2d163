// A run's history for export (GET /api/runs/:runId/history): its run row, journal, patches and signals in
// the RunHistory format (history.ts). A read only: it never brings a parked run's handler back.
import { decodePayload, fail, ok, type RpcResult } from "../../kernel/index.ts";
import { journaledError } from "../core/step-machine.ts";
import { HISTORY_FORMAT, historyStep, type HistorySignal, type RunHistory } from "../history.ts";
import type { RunState } from "./run-state.ts";
import type { SignalRecord } from "./run-store.ts";

export function runHistory(state: RunState): RpcResult<RunHistory> {
  const { run, store } = state;
  if (run === undefined) return fail("run.not_found", "no such run");
  const usage = store.usage.bySteps();
  const history: RunHistory = {
    format: HISTORY_FORMAT,
    runId: run.runId,
    workflow: run.workflow,
    version: run.version,
    status: state.status(),
    args: decodePayload(run.args),
    createdAt: run.createdAt,
    completedAt: run.completedAt,
    exportedAt: state.clock.now(),
    steps: store.allSteps().map((s) => historyStep(s, usage.get(s.seq))),
    patches: store.allPatches(),
    signals: store.allSignals().map(historySignal),
    usageReads: store.usage.allReads(),
  };
  if (run.result !== null) history.result = decodePayload(run.result);
  if (run.error !== null) {
    const { code, message } = journaledError(run.error, "run.error");
    history.error = { code, message };
  }
  return ok(history);
}

function historySignal(s: SignalRecord): HistorySignal {
  const signal: HistorySignal = { name: s.name, receivedAt: s.receivedAt, takenBy: s.takenBy };
  if (s.payload !== null) signal.payload = decodePayload(s.payload);
  if (s.refused) signal.refused = true;
  return signal;
}

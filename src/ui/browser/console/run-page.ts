// A run's page: its actions (each confirmed; a refusal shows the API's problem and changes nothing),
// the step timeline with a step's details on selection, and the run's event stream followed live.
import { describeUsage, describeWait, ENDED_STATUSES, type UsageSummary, type WaitSummary } from "../../shared/format.ts";
import { api, ApiProblem, confirmAction, el, showProblem, toast } from "./dom.ts";
import { statusBadge } from "./runs-live.ts";
import { preciseTimeElement } from "./time.ts";
import { Timeline, type Attempt, type TimelineStep } from "./timeline.ts";

interface RunView {
  runId: string;
  status: string;
  result?: unknown;
  error?: { code: string; message: string };
  completedAt: number | null;
  updatedAt: number;
  stepCount: number;
  waitingFor: WaitSummary[];
  usage: UsageSummary;
  pausedAt: number | null;
  restartedAs?: string;
  /** Present while the run waits in its workflow's line. */
  queue?: unknown;
}

interface StepDetail extends TimelineStep {
  args?: unknown;
  result?: unknown;
  error?: { code: string; message: string };
}

export function runPage(): void {
  const section = document.getElementById("run");
  const runId = section?.dataset.runId;
  if (!section || !runId) return;
  const runPath = `/api/runs/${encodeURIComponent(runId)}`;
  const problem = document.getElementById("action-problem");

  // -- actions ------------------------------------------------------------------------------
  const act = async (what: string, call: () => Promise<unknown>) => {
    if (!(await confirmAction(what))) return;
    showProblem(problem, null);
    try {
      await call();
      toast(`Done: ${what}`);
      void refreshRun();
    } catch (err) {
      showProblem(problem, err);
    }
  };
  for (const form of document.querySelectorAll<HTMLFormElement>("form.action")) {
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const submitter = (e as SubmitEvent).submitter as HTMLButtonElement | null;
      const data = new FormData(form);
      const kind = form.dataset.action;
      if (kind === "signal") {
        const name = String(data.get("signal") ?? "").trim();
        let payload: unknown;
        try {
          payload = JSON.parse(String(data.get("payload") ?? "null"));
        } catch (err) {
          showProblem(problem, new ApiProblem(400, "request.invalid_json", `the payload is not JSON: ${(err as Error).message}`));
          return;
        }
        // A signal no wait takes now is kept for a later wait on its name (the engine's rule): say so before sending.
        const waited = [...document.querySelectorAll<HTMLOptionElement>("#waiting-signals option")].some((o) => o.value === name);
        const note = waited ? "" : ` The run does not wait for "${name}" now: the signal is kept until a wait on that name takes it.`;
        void act(`Send signal "${name}" to ${runId}?${note}`, () => api("POST", `${runPath}/signals/${encodeURIComponent(name)}`, { payload }));
      } else if (kind === "approval") {
        const approved = submitter?.value === "approve";
        const reason = String(data.get("reason") ?? "").trim();
        void act(`${approved ? "Approve" : "Reject"} this request?`, () =>
          api("POST", `${runPath}/approvals/${form.dataset.seq}`, reason === "" ? { approved } : { approved, reason }),
        );
      } else if (kind === "repair") {
        const op = submitter?.value;
        if (op === "restart") {
          const from = String(data.get("fromStep") ?? "").trim();
          const body = from === "" ? {} : { fromStep: /^\d+$/.test(from) ? Number(from) : from };
          void act(`Restart ${runId}${from === "" ? "" : ` from step ${from}`}? A new linked run starts; this one stays as it is.`, async () => {
            const r = await api<{ runId: string }>("POST", `${runPath}/restart`, body);
            location.assign(`/console/runs/${encodeURIComponent(r.runId)}`);
          });
        } else if (op === "pause" || op === "resume" || op === "cancel") {
          const words = { pause: "Pause", resume: "Resume", cancel: "Cancel" }[op];
          void act(`${words} ${runId}?`, () => api("POST", `${runPath}/${op}`));
        }
      }
    });
  }

  // -- the run's facts, kept current --------------------------------------------------------
  const refreshRun = async () => {
    const run = await api<RunView>("GET", `${runPath}?steps=none`);
    section.dataset.status = run.status;
    document.getElementById("run-status")?.replaceChildren(statusBadge(run.status));
    const waits = document.getElementById("run-waits");
    if (waits) waits.textContent = run.waitingFor.length === 0 ? "nothing" : run.waitingFor.map(describeWait).join(", ");
    const count = document.getElementById("step-count");
    if (count) count.textContent = String(run.stepCount);
    const usage = document.getElementById("run-usage");
    if (usage) usage.textContent = describeUsage(run.usage);
    // A queued run's place in line goes once its line admitted it (the page is drawn while it waits).
    const place = document.getElementById("run-queue");
    if (place && run.queue === undefined) {
      place.previousElementSibling?.remove();
      place.remove();
    }
    const ended = ENDED_STATUSES.has(run.status);
    const outcome = document.getElementById("run-outcome");
    if (outcome && ended) {
      const parts: HTMLElement[] = [];
      if (run.error) {
        const p = el("p", "error");
        p.append(el("code", undefined, run.error.code), ` ${run.error.message}`);
        parts.push(el("h2", undefined, "Error"), p);
      }
      if (run.status === "completed") parts.push(el("h2", undefined, "Result"), el("pre", "json", JSON.stringify(run.result, null, 2)));
      outcome.replaceChildren(...parts);
    }
    for (const b of document.querySelectorAll<HTMLButtonElement | HTMLInputElement>("#repair-form button, #repair-form input")) {
      const op = b instanceof HTMLButtonElement ? b.value : "restart";
      b.disabled =
        op === "pause"
          ? ended || run.pausedAt !== null
          : op === "resume"
            ? ended || run.pausedAt === null
            : op === "cancel"
              ? ended
              : !ended || !!run.restartedAs;
    }
    document
      .getElementById("waiting-signals")
      ?.replaceChildren(...run.waitingFor.filter((w) => w.kind === "signal").map((w) => Object.assign(el("option"), { value: w.signal ?? "" })));
    const signalSet = document.querySelector<HTMLFieldSetElement>("#signal-form fieldset");
    if (signalSet) signalSet.disabled = ended;
    for (const f of document.querySelectorAll<HTMLFormElement>('form[data-action="approval"]')) {
      if (!run.waitingFor.some((w) => w.seq === Number(f.dataset.seq))) f.remove();
    }
  };

  // -- the timeline and a step's details ----------------------------------------------------
  const root = document.getElementById("tl");
  const detail = document.getElementById("step-detail");
  if (!root || !detail) return;
  const timeline = new Timeline(root, runId);
  timeline.onSelect = (step) => void showStep(detail, runPath, step);
  timeline.onSteps = (steps) => showLinks(steps);
  void timeline.load().then(() => {
    // The bench reads this mark: navigation start to the first rendered window.
    performance.mark("stepwise:timeline-ready");
    document.body.setAttribute("data-timeline", "ready");
  });

  // -- live ---------------------------------------------------------------------------------
  if (ENDED_STATUSES.has(section.dataset.status ?? "")) return;
  let dirtyFrom: number | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const events = new EventSource(`${runPath}/events`);
  const changed = (seq: number | undefined) => {
    dirtyFrom = Math.min(dirtyFrom ?? Number.POSITIVE_INFINITY, seq ?? 0);
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const from = dirtyFrom ?? 0;
      dirtyFrom = null;
      await Promise.all([refreshRun(), timeline.refresh(from)]).catch(() => {});
    }, 150);
  };
  // Each event is `{ seq, type, data, at }`; a step's events name the step's seq in data.
  for (const type of STEP_EVENTS) {
    events.addEventListener(type, (e) => {
      const event = JSON.parse(String((e as MessageEvent).data)) as { data?: { seq?: number } };
      changed(type.startsWith("step.") ? event.data?.seq : 0);
      if (type === "run.finished") events.close();
    });
  }
}

const STEP_EVENTS = [
  "step.started",
  "step.completed",
  "step.failed",
  "step.retrying",
  "step.sleeping",
  "step.waiting",
  "step.canceled",
  "step.abandoned",
  "run.finished",
  "run.paused",
  "run.resumed",
  "run.restarted",
  "run.queued",
  "run.admitted",
  "signal.received",
];

function showLinks(steps: readonly TimelineStep[]): void {
  const links = document.getElementById("run-links");
  if (!links) return;
  const targets = [
    ...steps.flatMap((s) =>
      s.childRunId === undefined ? [] : [{ href: `/console/runs/${encodeURIComponent(s.childRunId)}`, text: s.childRunId, kind: "run" }],
    ),
    ...[...new Set(steps.flatMap((s) => (s.threadId === undefined ? [] : [s.threadId])))].map((t) => ({
      href: `/chat/${encodeURIComponent(t)}`,
      text: t,
      kind: "thread",
    })),
  ];
  if (targets.length === 0) {
    links.textContent = "none";
    return;
  }
  links.replaceChildren(
    ...targets.flatMap((t, i) => {
      const a = el("a");
      a.href = t.href;
      a.dataset.link = t.kind;
      a.append(`${t.kind} `, el("code", undefined, t.text));
      return i === 0 ? [a] : [", ", a];
    }),
  );
}

async function showStep(panel: HTMLElement, runPath: string, step: TimelineStep): Promise<void> {
  panel.hidden = false;
  panel.replaceChildren(el("p", "muted", `Loading step ${step.seq}…`));
  let d: StepDetail;
  try {
    d = await api<StepDetail>("GET", `${runPath}/steps/${step.seq}`);
  } catch (err) {
    panel.replaceChildren(el("p", "problem", err instanceof Error ? err.message : String(err)));
    return;
  }
  const parts: HTMLElement[] = [el("h3", undefined, `${d.seq} · ${d.name}`)];
  const facts = el("dl", "facts");
  const fact = (k: string, v: Node | string) => {
    const dd = el("dd");
    dd.append(v);
    facts.append(el("dt", undefined, k), dd);
  };
  fact("Kind", d.kind);
  fact("Status", statusBadge(d.status));
  fact("Started", preciseTimeElement(d.startedAt));
  if (d.endedAt !== null) fact("Ended", preciseTimeElement(d.endedAt));
  if (d.signal) fact("Signal", d.signal);
  if (d.childRunId) {
    const a = el("a");
    a.href = `/console/runs/${encodeURIComponent(d.childRunId)}`;
    a.textContent = d.childRunId;
    fact("Child run", a);
  }
  parts.push(facts);
  if (d.attempts.length > 0) parts.push(el("h4", undefined, "Attempts"), attemptsTable(d.attempts));
  if ("args" in d) parts.push(el("h4", undefined, "Args"), el("pre", "json", JSON.stringify(d.args, null, 2)));
  if ("result" in d) parts.push(el("h4", undefined, "Result"), el("pre", "json", JSON.stringify(d.result, null, 2)));
  if (d.error) {
    const p = el("p", "error");
    p.append(el("code", undefined, d.error.code), ` ${d.error.message}`);
    parts.push(el("h4", undefined, "Error"), p);
  }
  panel.replaceChildren(...parts);
}

function attemptsTable(attempts: Attempt[]): HTMLTableElement {
  const table = el("table", "attempts");
  const head = el("tr");
  for (const h of ["#", "Started", "Ended", "Outcome", "Retry at", "Error"]) head.append(el("th", undefined, h));
  table.append(head);
  for (const a of attempts) {
    const tr = el("tr");
    tr.dataset.outcome = a.outcome;
    const cells: (Node | string)[] = [
      String(a.attempt),
      preciseTimeElement(a.startedAt),
      a.endedAt === null ? "—" : preciseTimeElement(a.endedAt),
      a.outcome,
      a.retryAt === undefined ? "" : preciseTimeElement(a.retryAt),
      a.error ? `${a.error.code}: ${a.error.message}` : "",
    ];
    for (const c of cells) {
      const td = el("td");
      td.append(c);
      tr.append(td);
    }
    table.append(tr);
  }
  return table;
}

// The run list, live: a socket on the run index sends every change; a row updates in place, a new run
// that matches the filters appears on top of the first page. Without the socket it polls the API.
import { describeWait, ENDED_STATUSES, type RunRowData, STATUS_SHAPE, STATUSES } from "../../shared/format.ts";
import { api, el } from "./dom.ts";
import { formatDurationSince, timeElement } from "./time.ts";

type RunRow = RunRowData;

type Frame = { type: "run"; run: RunRow } | { type: "removed"; runId: string };

export function statusBadge(status: string): HTMLSpanElement {
  const s = el("span", `status status-${status}`);
  s.dataset.status = status;
  const shape = el("span", undefined, STATUS_SHAPE[status] ?? "•");
  shape.setAttribute("aria-hidden", "true");
  s.append(shape, ` ${status}`);
  return s;
}

function renderRow(run: RunRow): HTMLTableRowElement {
  const tr = el("tr");
  tr.dataset.runId = run.runId;
  tr.dataset.status = run.status;
  tr.dataset.workflow = run.workflow;
  const link = el("a");
  link.href = `/console/runs/${encodeURIComponent(run.runId)}`;
  link.append(el("code", undefined, run.runId));
  const ended = ENDED_STATUSES.has(run.status);
  const duration = el("span", ended ? "duration" : "duration live");
  duration.dataset.from = String(run.createdAt);
  duration.textContent = formatDurationSince(run.createdAt, ended ? (run.completedAt ?? run.updatedAt) : Date.now());
  const cells: (Node | string)[] = [
    link,
    run.workflow,
    statusBadge(run.status),
    timeElement(run.createdAt),
    duration,
    (run.waitingFor ?? []).map(describeWait).join(", "),
  ];
  cells.forEach((c, i) => {
    const td = el("td", i === 5 ? "waits" : undefined);
    td.append(c);
    tr.append(td);
  });
  return tr;
}

/** A link that filters the list, keeping the page's other filters. */
function chip(filters: URLSearchParams, key: "status" | "workflow", value: string, count: number, label: Node | string): HTMLLIElement {
  const q = new URLSearchParams(filters);
  q.set(key, value);
  const a = el("a", "chip");
  a.href = `/console?${q}`;
  a.dataset[key === "status" ? "countStatus" : "countWorkflow"] = value;
  a.append(label, " ", el("b", undefined, String(count)));
  const li = el("li");
  li.append(a);
  return li;
}

/** Redraws the counts per status and per workflow from the API (the whole index, not filtered). */
async function refreshCounts(filters: URLSearchParams): Promise<void> {
  const statusList = document.getElementById("status-counts");
  const workflowList = document.getElementById("workflow-counts");
  if (!statusList || !workflowList) return;
  const page = await api<{ counts?: { workflow: string; status: string; count: number }[] }>("GET", "/api/runs?limit=1&counts=true");
  const byStatus = new Map<string, number>();
  const byWorkflow = new Map<string, number>();
  for (const c of page.counts ?? []) {
    byStatus.set(c.status, (byStatus.get(c.status) ?? 0) + c.count);
    byWorkflow.set(c.workflow, (byWorkflow.get(c.workflow) ?? 0) + c.count);
  }
  statusList.replaceChildren(...STATUSES.filter((st) => byStatus.has(st)).map((st) => chip(filters, "status", st, byStatus.get(st)!, statusBadge(st))));
  workflowList.replaceChildren(...[...byWorkflow].map(([w, n]) => chip(filters, "workflow", w, n, w)));
}

/** Whether a run belongs in the list as filtered (workflow, status, run id prefix). */
function matches(run: RunRow, filters: URLSearchParams): boolean {
  const workflow = filters.get("workflow");
  const status = filters.get("status");
  const q = filters.get("q");
  return (!workflow || run.workflow === workflow) && (!status || run.status === status) && (!q || run.runId.startsWith(q));
}

export function followRuns(): void {
  const table = document.getElementById("runs");
  const body = table?.querySelector("tbody");
  if (!table || !body) return;
  // The page's filters, as the API takes them (a form submits empty fields; the API refuses an empty q).
  const filters = new URLSearchParams([...new URLSearchParams(location.search)].filter(([k, v]) => v !== "" && k !== "cursor"));
  const firstPage = table.dataset.firstPage === "true";
  const state = document.getElementById("live-state");
  const setState = (s: string) => {
    if (state) state.textContent = s;
    document.body.dataset.live = s;
  };

  let countsTimer: ReturnType<typeof setTimeout> | undefined;
  const countsSoon = () => {
    if (countsTimer !== undefined) return;
    countsTimer = setTimeout(() => {
      countsTimer = undefined;
      refreshCounts(filters).catch(() => {});
    }, 1000);
  };
  const apply = (f: Frame) => {
    countsSoon();
    const rowOf = (id: string) => body.querySelector<HTMLTableRowElement>(`tr[data-run-id="${CSS.escape(id)}"]`);
    if (f.type === "removed") {
      rowOf(f.runId)?.remove();
      return;
    }
    const existing = rowOf(f.run.runId);
    const fits = matches(f.run, filters);
    if (existing && fits) existing.replaceWith(renderRow(f.run));
    else if (existing) existing.remove();
    else if (fits && firstPage) {
      body.prepend(renderRow(f.run));
      document.getElementById("no-runs")?.remove();
    }
  };

  const catchUp = async () => {
    const q = new URLSearchParams(filters);
    q.set("limit", "50");
    try {
      const page = await api<{ runs: RunRow[] }>("GET", `/api/runs?${q}`);
      for (const run of [...page.runs].reverse()) apply({ type: "run", run });
    } catch {
      // the next frame or tick brings the list up to date
    }
  };
  let socket: WebSocket | null = null;
  let failures = 0;
  let poll: ReturnType<typeof setInterval> | undefined;
  const startPolling = () => {
    if (poll !== undefined) return;
    setState("polling");
    poll = setInterval(() => void catchUp(), 3000);
  };
  const connect = () => {
    const url = new URL("/api/live/runs", location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(url);
    socket.addEventListener("open", () => {
      failures = 0;
      setState("live");
      // What changed between the page's render and this socket: read the first page once.
      if (firstPage) void catchUp();
    });
    socket.addEventListener("message", (e) => {
      try {
        apply(JSON.parse(String(e.data)) as Frame);
      } catch {
        // a frame this page does not understand changes nothing
      }
    });
    socket.addEventListener("close", () => {
      socket = null;
      failures++;
      if (failures >= 3) return startPolling();
      setState("reconnecting");
      setTimeout(connect, 500 * 2 ** failures);
    });
  };
  connect();
}

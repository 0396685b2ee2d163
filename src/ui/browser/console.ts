// The console's script: times in the viewer's zone, live durations, and each page's own enhancements
// (the live run list, a run's actions, timeline and event stream; the inbox's decisions).
import { localizeTimes, tickDurations } from "./console/time.ts";
import { followRuns } from "./console/runs-live.ts";
import { runPage } from "./console/run-page.ts";
import { inboxPage } from "./console/inbox.ts";

function start(): void {
  localizeTimes();
  tickDurations();
  const page = document.body.dataset.page;
  if (page === "runs") followRuns();
  else if (page === "run") runPage();
  else if (page === "inbox") inboxPage();
  document.body.dataset.ready = "true";
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();

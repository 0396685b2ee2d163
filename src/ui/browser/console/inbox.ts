// The inbox: approve or reject a pending approval, or answer any other signal wait, from its row.
import { api, ApiProblem, confirmAction, showProblem, toast } from "./dom.ts";

export function inboxPage(): void {
  const problem = document.getElementById("action-problem");
  for (const form of document.querySelectorAll<HTMLFormElement>("form.inbox-action")) {
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const submitter = (e as SubmitEvent).submitter as HTMLButtonElement | null;
      const { runId = "", seq = "", signal = "" } = form.dataset;
      const path = `/api/runs/${encodeURIComponent(runId)}`;
      const row = form.closest("tr");
      const done = (what: string) => {
        toast(what);
        row?.classList.add("decided");
        row?.setAttribute("data-decided", "true");
        for (const b of form.querySelectorAll("button")) b.disabled = true;
      };
      void (async () => {
        showProblem(problem, null);
        try {
          if (form.dataset.kind === "approval") {
            const approved = submitter?.value === "approve";
            if (!(await confirmAction(`${approved ? "Approve" : "Reject"} the request of ${runId}?`))) return;
            await api("POST", `${path}/approvals/${seq}`, { approved });
            done(approved ? "Approved" : "Rejected");
          } else {
            const text = String(new FormData(form).get("payload") ?? "null");
            let payload: unknown;
            try {
              payload = JSON.parse(text);
            } catch (err) {
              throw new ApiProblem(400, "request.invalid_json", `the payload is not JSON: ${(err as Error).message}`);
            }
            if (!(await confirmAction(`Send signal "${signal}" to ${runId}?`))) return;
            await api("POST", `${path}/signals/${encodeURIComponent(signal)}`, { payload });
            done(`Signal ${signal} sent`);
          }
        } catch (err) {
          showProblem(problem, err);
        }
      })();
    });
  }
}

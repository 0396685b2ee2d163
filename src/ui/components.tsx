// Small pieces the console pages share: a status as a word with a colour and a shape, times (UTC in the
// markup, the viewer's zone once the script runs), durations, and JSON that collapses when long.
import type { FC } from "hono/jsx";
import { formatDuration, STATUS_SHAPE } from "./shared/format.ts";

export { describeWait, type WaitSummary } from "./shared/format.ts";

export const StatusBadge: FC<{ status: string }> = ({ status }) => (
  <span class={`status status-${status}`} data-status={status}>
    <span aria-hidden="true">{STATUS_SHAPE[status] ?? "•"}</span> {status}
  </span>
);

/** A time: UTC text and ISO datetime in the markup; console.js rewrites the text in the viewer's zone and keeps UTC on hover. */
export const Time: FC<{ at: number | null | undefined }> = ({ at }) => {
  if (at === null || at === undefined) return <span class="muted">—</span>;
  const iso = new Date(at).toISOString();
  return (
    <time datetime={iso} title={`${iso.replace("T", " ").slice(0, 19)} UTC`} data-local="">
      {`${iso.replace("T", " ").slice(0, 19)} UTC`}
    </time>
  );
};

export const Duration: FC<{ from: number; to: number | null; now: number }> = ({ from, to, now }) => (
  <span class={to === null ? "duration live" : "duration"} data-from={from} data-to={to ?? ""}>
    {formatDuration((to ?? now) - from)}
  </span>
);

/** JSON, pretty-printed; past a few lines it sits in a <details> that opens on demand. */
export const JsonView: FC<{ value: unknown; label: string }> = ({ value, label }) => {
  const text = value === undefined ? "undefined" : JSON.stringify(value, null, 2);
  if (text.split("\n").length <= 8 && text.length <= 400)
    return (
      <pre class="json" title={label}>
        {text}
      </pre>
    );
  return (
    <details class="json">
      <summary>{`${label} (${text.length} characters)`}</summary>
      <pre>{text}</pre>
    </details>
  );
};

/** The dialog console.js asks before an action (confirmAction); "Back" leaves everything as it was. */
export const ConfirmDialog: FC = () => (
  <dialog id="confirm">
    <form method="dialog">
      <p id="confirm-text" />
      <menu>
        <button value="cancel" type="submit">
          Back
        </button>
        <button value="ok" type="submit" id="confirm-ok">
          Confirm
        </button>
      </menu>
    </form>
  </dialog>
);

// The approval pages: what is being decided, with Approve and Reject buttons in a plain form, and the
// outcome pages. No script anywhere: a mail scanner that fetches or renders the page decides nothing.
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { ApprovalRequest } from "../../approvals/index.ts";

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

function layout(title: string, body: Html): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>${title}</title>
        <style>
          body { font: 16px/1.5 system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem; color: #18181b; }
          .summary { white-space: pre-wrap; background: #f4f4f5; padding: 1rem; border-radius: 6px; }
          dt { color: #52525b; font-size: 14px; } dd { margin: 0 0 .5rem; }
          button { font-size: 16px; padding: .6rem 1.4rem; margin-right: .75rem; border-radius: 6px; border: 1px solid #a1a1aa; cursor: pointer; }
          .approve { background: #166534; color: #fff; border-color: #166534; } .reject { background: #fff; color: #991b1b; border-color: #991b1b; }
        </style>
      </head>
      <body>
        ${body}
      </body>
    </html>`;
}

export function decisionPage(req: ApprovalRequest, workflow: string): Html {
  return layout(
    req.subject,
    html`<h1>${req.subject}</h1>
      <p><b>${req.requestedBy}</b> asks for your decision.</p>
      <div class="summary">${req.summary}</div>
      <dl>
        <dt>Workflow</dt>
        <dd>${workflow}</dd>
        <dt>Asked</dt>
        <dd>${new Date(req.requestedAt).toUTCString()}</dd>
        <dt>This link expires</dt>
        <dd>${new Date(req.expiresAt).toUTCString()}</dd>
      </dl>
      <form method="post">
        <button class="approve" type="submit" name="decision" value="approve">Approve</button>
        <button class="reject" type="submit" name="decision" value="reject">Reject</button>
      </form>
      <p><small>Only pressing a button decides. The first decision is final.</small></p>`,
  );
}

export function messagePage(title: string, message: string): Html {
  return layout(title, html`<h1>${title}</h1><p>${message}</p>`);
}

// The API reference page at /api/docs: server-rendered from the OpenAPI document, no scripts, no CDN.
import { html, raw } from "hono/html";
import { OPERATIONS, openApiDocument } from "./openapi.ts";

export function docsPage() {
  const doc = openApiDocument() as {
    paths: Record<
      string,
      Record<
        string,
        {
          summary: string;
          parameters: { name: string; in: string; description?: string }[];
          requestBody?: unknown;
          responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
        }
      >
    >;
  };
  const sections = OPERATIONS.map((op) => {
    const o = doc.paths[op.path]![op.method]!;
    const params = o.parameters.map((p) => html`<li><code>${p.name}</code> (${p.in})${p.description ? html` — ${p.description}` : ""}</li>`);
    const responses = Object.entries(o.responses).map(
      ([status, r]) =>
        html`<li><b>${status}</b> ${r.description}${r.content ? html`<pre>${JSON.stringify(Object.values(r.content)[0]!.schema, null, 2)}</pre>` : ""}</li>`,
    );
    return html`<section id="${op.method}-${op.path}">
      <h2><span class="m">${op.method.toUpperCase()}</span> <code>${op.path}</code></h2>
      <p>${op.summary}</p>
      ${params.length > 0 ? html`<h3>Parameters</h3><ul>${params}</ul>` : ""}
      ${o.requestBody ? html`<h3>Body</h3><pre>${JSON.stringify(o.requestBody, null, 2)}</pre>` : ""}
      <h3>Responses</h3><ul>${responses}</ul>
    </section>`;
  });
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>Stepwise API reference</title>
        <style>
          ${raw("body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}pre{background:#f4f4f5;padding:.75rem;overflow:auto;font-size:12px}.m{background:#18181b;color:#fff;padding:0 .4rem;border-radius:4px}section{border-top:1px solid #ddd;margin-top:1.5rem}")}
        </style>
      </head>
      <body>
        <h1>Stepwise API</h1>
        <p>Every <code>/api</code> route needs <code>Authorization: Bearer &lt;API_TOKEN&gt;</code>. Errors are <code>application/problem+json</code> with a stable <code>code</code>. Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).</p>
        ${sections}
      </body>
    </html>`;
}

// The landing page at `/` and the sign-in page: what this deployment is, where to go, and its health.
import type { FC } from "hono/jsx";
import { Layout } from "../layout.tsx";

export interface Health {
  errors: string[];
  warnings: string[];
}

export const LandingPage: FC<{ workflows: string[]; health: Health }> = ({ workflows, health }) => (
  <Layout title="Home" page="home" section="home">
    <h1>Stepwise</h1>
    <p class="lead">
      Durable, multi-step AI-agent workflows on Cloudflare Durable Objects. This deployment runs {workflows.length} workflow
      {workflows.length === 1 ? "" : "s"}.
    </p>
    <ul class="cards">
      <li>
        <a href="/console">Console</a>
        <span>Runs, their steps on a timeline, approvals, threads and pools. Sign in with the API token.</span>
      </li>
      <li>
        <a href="/chat">Chat</a>
        <span>Talk to an agent; answers stream live and survive reloads.</span>
      </li>
      <li>
        <a href="/api/docs">API reference</a>
        <span>
          Every route, from the OpenAPI document at <a href="/api/openapi.json">/api/openapi.json</a>.
        </span>
      </li>
      <li>
        <a href="/healthz">Health</a>
        <span id="health" data-ok={health.errors.length === 0 ? "true" : "false"}>
          {health.errors.length === 0 ? "Configuration OK" : `${health.errors.length} configuration error(s)`}
          {health.warnings.length > 0 ? `, ${health.warnings.length} warning(s)` : ""}
        </span>
      </li>
    </ul>
    {health.errors.length + health.warnings.length > 0 ? (
      <ul class="health-list">
        {health.errors.map((e) => (
          <li class="error">{e}</li>
        ))}
        {health.warnings.map((w) => (
          <li class="warning">{w}</li>
        ))}
      </ul>
    ) : null}
    <h2>Workflows</h2>
    <ul class="plain columns">
      {workflows.map((w) => (
        <li>
          <a href={`/console?workflow=${encodeURIComponent(w)}`}>
            <code>{w}</code>
          </a>
        </li>
      ))}
    </ul>
  </Layout>
);

export const SignInPage: FC<{ next: string; failed: boolean }> = ({ next, failed }) => (
  <Layout title="Sign in" page="sign-in" section="sign-in">
    <h1>Sign in</h1>
    <form method="post" action="/console/sign-in" class="card narrow" id="sign-in">
      <input type="hidden" name="next" value={next} />
      <label for="token">API token</label>
      <input id="token" name="token" type="password" autocomplete="current-password" required />
      <p class="hint">
        The token from <code>.dev.vars</code> (printed by <code>npm start</code>) or your deployment's <code>API_TOKEN</code> secret. It is exchanged for a
        session cookie that lasts 8 hours; the token is kept nowhere in this browser.
      </p>
      {failed ? (
        <p class="error" role="alert">
          That token was refused.
        </p>
      ) : null}
      <button type="submit">Sign in</button>
    </form>
  </Layout>
);

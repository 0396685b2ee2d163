// The frame every console page shares: head (stylesheet, module script, CSRF meta), the top bar with its
// navigation and sign-out, and the main region. Scripts enhance; the page reads fine without them.
import { raw } from "hono/html";
import type { Child, FC } from "hono/jsx";

export type Section = "runs" | "inbox" | "threads" | "pools" | "chat" | "home" | "sign-in";

const NAV: { section: Section; href: string; label: string }[] = [
  { section: "runs", href: "/console", label: "Runs" },
  { section: "inbox", href: "/console/inbox", label: "Inbox" },
  { section: "threads", href: "/console/threads", label: "Threads" },
  { section: "pools", href: "/console/pools", label: "Pools" },
];

/** `head`: a page's own stylesheet and script, after the shared ones (the chat's chat.css and chat.js). */
export const Layout: FC<{ title: string; page: string; section: Section; csrf?: string; head?: Child; children?: Child }> = (props) => (
  <>
    {/* Without a doctype the browser renders in quirks mode (forms gain a bottom margin, sizes differ). */}
    {raw("<!doctype html>")}
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{`${props.title} · Stepwise`}</title>
        {/* No icon to fetch: otherwise every page load logs the /favicon.ico 404 as a console error. */}
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/assets/console.css" />
        {props.csrf === undefined ? null : <meta name="stepwise-csrf" content={props.csrf} />}
        <script type="module" src="/assets/console.js" />
        {props.head ?? null}
      </head>
      <body data-page={props.page}>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href="/">
            Stepwise
          </a>
          {props.csrf === undefined ? null : (
            <nav aria-label="Console">
              {NAV.map((n) => (
                <a href={n.href} aria-current={n.section === props.section ? "page" : undefined}>
                  {n.label}
                </a>
              ))}
              <a href="/chat" aria-current={props.section === "chat" ? "page" : undefined}>
                Chat
              </a>
              <a href="/api/docs">API</a>
            </nav>
          )}
          {props.csrf === undefined ? null : (
            <form method="post" action="/console/sign-out" class="sign-out">
              <input type="hidden" name="_csrf" value={props.csrf} />
              <button type="submit">Sign out</button>
            </form>
          )}
        </header>
        <main id="main">{props.children}</main>
        <div id="toast" role="status" aria-live="polite" />
      </body>
    </html>
  </>
);

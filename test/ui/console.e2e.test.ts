// The console in headless Chromium (Debian's chromium, driven by playwright-core) against a real
// `wrangler dev`: sign in; runs started through the API appear and finish live in the list; filters;
// a run's timeline (one bar row per step, a retried step's attempts and backoffs); a run's tokens, kept
// current; a signal sent from the page completes the run; approve from the inbox; cancel; a forged
// cross-site POST changes nothing; no page throws or logs a console error. A screenshot of each page
// goes to test-artifacts/console/.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { apiOf, TOKEN, until } from "../helpers/dev-api.ts";
import { launchChromium } from "../helpers/chromium.ts";
import { REPO_ROOT, startWranglerDev, type DevServer } from "../helpers/wrangler-dev.ts";
import { describeUsage } from "../../src/ui/shared/format.ts";

const SHOTS = join(REPO_ROOT, "test-artifacts", "console");

let dev: DevServer;
let browser: Browser;
let context: BrowserContext;
let api: ReturnType<typeof apiOf>;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const [server, chrome] = await Promise.allSettled([startWranglerDev({ config: "test/wrangler.test.toml", vars: { API_TOKEN: TOKEN } }), launchChromium()]);
  if (server.status === "fulfilled") dev = server.value;
  if (chrome.status === "fulfilled") browser = chrome.value;
  if (server.status === "rejected") throw server.reason;
  if (chrome.status === "rejected") throw chrome.reason;
  api = apiOf(dev);
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  await dev?.dispose();
});

/** Errors thrown or logged in any page of the current test: none are expected. */
let pageErrors: string[] = [];
afterEach(() => {
  const seen = pageErrors;
  pageErrors = [];
  expect(seen).toEqual([]);
});

async function open(path: string): Promise<Page> {
  const page = await context.newPage();
  page.on("pageerror", (err) => pageErrors.push(`${path}: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") pageErrors.push(`${path}: console: ${msg.text()}`);
  });
  await page.goto(`${dev.url}${path}`);
  return page;
}

async function start(workflow: string, args: unknown): Promise<string> {
  const res = await api("POST", `/api/workflows/${workflow}/runs`, { args });
  expect(res.status).toBe(201);
  return res.json.runId as string;
}

const runStatus = async (runId: string) => (await api("GET", `/api/runs/${runId}?steps=none`)).json;
const finished = (runId: string, status = "completed") =>
  until(
    `run ${runId} ${status}`,
    () => runStatus(runId),
    (r) => r.status === status,
    30_000,
    () => dev.logs(),
  );

async function confirmDialog(page: Page): Promise<void> {
  await page.waitForSelector("dialog#confirm[open]");
  await page.click("#confirm-ok");
}

describe("the console", () => {
  it("signs in with the token, which then sits nowhere in the browser", async () => {
    const landing = await open("/");
    await landing.screenshot({ path: join(SHOTS, "landing.png"), fullPage: true });
    await landing.click('a[href="/console"] >> nth=0');
    await landing.waitForURL(/\/console\/sign-in\?next=/);
    await landing.screenshot({ path: join(SHOTS, "sign-in.png") });
    await landing.fill("#token", "wrong");
    await landing.click("#sign-in button[type=submit]");
    await landing.waitForSelector("text=That token was refused.");
    // The refused sign-in answered 401: Chromium logs that as a failed resource. Expected here only.
    pageErrors = pageErrors.filter((e) => !e.includes("401"));
    await landing.fill("#token", TOKEN);
    await landing.click("#sign-in button[type=submit]");
    await landing.waitForURL(`${dev.url}/console`);
    const cookies = await context.cookies();
    expect(cookies).toEqual([expect.objectContaining({ name: "stepwise-session", httpOnly: true, sameSite: "Strict" })]);
    expect(cookies[0]!.value).not.toContain(TOKEN);
    const stored = await landing.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + location.href);
    expect(stored).not.toContain(TOKEN);
    await landing.close();
  });

  it("shows runs started through the API appear and finish live, and filters them", async () => {
    const page = await open("/console");
    await page.waitForSelector("body[data-live=live]");
    const a = await start("chaos.sleep", { n: 1, ms: 1500, work: 0 });
    const b = await start("chaos.sleep", { n: 2, ms: 1500, work: 0 });
    // Both appear without a reload, then turn completed.
    await page.waitForSelector(`tr[data-run-id="${a}"]`);
    await page.waitForSelector(`tr[data-run-id="${b}"]`);
    await page.waitForSelector(`tr[data-run-id="${a}"][data-status=completed]`, { timeout: 30_000 });
    await page.waitForSelector(`tr[data-run-id="${b}"][data-status=completed]`, { timeout: 30_000 });
    expect(await page.locator(`tr[data-run-id="${b}"] + tr[data-run-id="${a}"]`).count()).toBe(1); // newest first

    const waiting = await start("await-approval", { request: "filters", timeoutMs: 3_600_000 });
    await page.waitForSelector(`tr[data-run-id="${waiting}"][data-status=waiting]`);
    expect(await page.textContent(`tr[data-run-id="${waiting}"] .waits`)).toContain("signal approval");
    // The counts follow too: the page opened before these runs, and shows them without a reload.
    await page.waitForFunction(() => Number(document.querySelector("[data-count-status=completed] b")?.textContent) >= 2);
    await page.waitForSelector('[data-count-workflow="await-approval"]');
    await page.screenshot({ path: join(SHOTS, "runs.png"), fullPage: true });

    await page.selectOption("#filter-status", "completed");
    await page.click("#run-filters button[type=submit]");
    await page.waitForURL(/status=completed/);
    const statuses = await page.$$eval("#runs tbody tr", (rows) => rows.map((r) => (r as HTMLElement).dataset.status));
    expect(statuses.length).toBeGreaterThanOrEqual(2);
    expect(new Set(statuses)).toEqual(new Set(["completed"]));

    await page.goto(`${dev.url}/console?q=${encodeURIComponent(waiting)}`);
    expect(await page.$$eval("#runs tbody tr", (rows) => rows.map((r) => (r as HTMLElement).dataset.runId))).toEqual([waiting]);
    await page.close();
  });

  it("draws one timeline row per step, with a retried step's attempts and backoffs; a step opens its details", async () => {
    const runId = await start("chaos.retry", { value: 7, failures: 2, work: 0 });
    await finished(runId);
    const page = await open(`/console/runs/${runId}`);
    await page.waitForSelector("body[data-timeline=ready]");
    const view = (await api("GET", `/api/runs/${runId}?steps=all`)).json;
    const rows = page.locator(".tl-row[data-seq]");
    expect(await rows.count()).toBe(view.stepCount);
    const retried = page.locator('.tl-row[data-attempts="3"]');
    expect(await retried.count()).toBe(1);
    expect(await retried.locator(".tl-bar.attempt").count()).toBe(3);
    expect(await retried.locator(".tl-bar.kind-backoff").count()).toBe(2);
    await retried.click();
    await page.waitForSelector("#step-detail table.attempts");
    // "retrying": the attempt failed and the next was due at its retryAt.
    expect(await page.$$eval("#step-detail table.attempts tr[data-outcome]", (r) => r.map((x) => (x as HTMLElement).dataset.outcome))).toEqual([
      "retrying",
      "retrying",
      "completed",
    ]);
    await page.screenshot({ path: join(SHOTS, "run-timeline.png"), fullPage: true });
    await page.close();
  });

  it("shows a run's tokens by model, and follows them live as its agent steps end", async () => {
    const runId = await start("follow-up", { prompt: "My invoice PDF is blank", delayMs: 5_000 });
    const sleeping = await until(
      "the first answer",
      () => runStatus(runId),
      (r) => r.status === "sleeping",
      30_000,
      () => dev.logs(),
    );
    expect(sleeping.usage.byModel).toEqual([expect.objectContaining({ model: "offline", provider: "stepwise.offline" })]);
    const page = await open(`/console/runs/${runId}`);
    await page.waitForSelector("body[data-timeline=ready]");
    const shown = await page.textContent("#run-usage");
    expect(shown).toMatch(/^[\d,]+ \([\d,]+ in, [\d,]+ out\): offline [\d,]+$/);
    await page.waitForSelector("#run-status [data-status=completed]", { timeout: 30_000 });
    const ended = await runStatus(runId);
    // Two answers now: the page redrew the field from the run's events, to what the API says.
    expect(ended.usage.totalTokens).toBeGreaterThan(sleeping.usage.totalTokens);
    await page.waitForFunction((text) => document.getElementById("run-usage")?.textContent === text, describeUsage(ended.usage));
    await page.screenshot({ path: join(SHOTS, "run-usage.png"), fullPage: true });
    await page.close();
  });

  it("shows a queued run's place in line, and follows it live once its line admits it", async () => {
    const user = `console-${Date.now().toString(36)}`;
    const first = (await api("POST", "/api/workflows/flow.perUser/runs", { args: { user, n: 1 } })).json.runId as string;
    const second = await api("POST", "/api/workflows/flow.perUser/runs", { args: { user, n: 2 } });
    expect(second.json.status).toBe("queued");
    const page = await open(`/console/runs/${second.json.runId}`);
    await page.waitForSelector("body[data-timeline=ready]");
    expect(await page.textContent("#run-status")).toContain("queued");
    expect(await page.textContent("#run-queue")).toContain(`concurrency "${user}": next, since`);
    await page.screenshot({ path: join(SHOTS, "run-queued.png"), fullPage: true });

    await api("POST", `/api/runs/${first}/signals/go`, { payload: true });
    await page.waitForSelector('section[data-status="waiting"]');
    expect(await page.$("#run-queue")).toBeNull();
    await api("POST", `/api/runs/${second.json.runId}/signals/go`, { payload: true });
    await finished(second.json.runId);
    await page.close();
  });

  it("sends a signal from the run page (a bad payload shows the API's problem and changes nothing) and follows the run to its end", async () => {
    const runId = await start("await-approval", { request: "from the page", timeoutMs: 3_600_000 });
    await until(
      "the run waits",
      () => runStatus(runId),
      (r) => r.status === "waiting",
    );
    const page = await open(`/console/runs/${runId}`);
    await page.waitForSelector("body[data-timeline=ready]");
    expect(await page.inputValue('#signal-form input[name="signal"]')).toBe("approval");

    await page.fill('#signal-form textarea[name="payload"]', "{ not json");
    await page.click("#signal-form button[type=submit]");
    await page.waitForSelector("#action-problem:not([hidden])");
    expect(await page.textContent("#action-problem")).toContain("not JSON");

    await page.fill('#signal-form textarea[name="payload"]', '{ "approved": "yes" }');
    await page.click("#signal-form button[type=submit]");
    await confirmDialog(page);
    await page.waitForSelector("#action-problem:has-text('signal.invalid_payload')");
    expect(await page.textContent("#action-problem")).toContain("/payload/approved");
    // The 400 is logged by Chromium as a failed resource; the page showed it, which is the point.
    pageErrors = pageErrors.filter((e) => !e.includes("400"));
    expect((await runStatus(runId)).status).toBe("waiting");

    await page.fill('#signal-form textarea[name="payload"]', '{ "approved": true, "by": "ada" }');
    await page.click("#signal-form button[type=submit]");
    await confirmDialog(page);
    await page.waitForSelector("#run-status [data-status=completed]", { timeout: 30_000 });
    expect(await page.textContent("#run-outcome")).toContain('"outcome": "approved"');
    expect((await runStatus(runId)).result).toMatchObject({ outcome: "approved", by: "ada" });
    await page.close();
  });

  it("approves a request from the inbox", async () => {
    const runId = await start("chaos.approval", { to: "approver@example.com" });
    await until(
      "the approval waits",
      () => runStatus(runId),
      (r) => r.status === "waiting",
    );
    const page = await open("/console/inbox");
    const row = page.locator(`#inbox tr[data-run-id="${runId}"]`);
    await row.waitFor();
    expect(await row.getAttribute("data-kind")).toBe("approval");
    await page.screenshot({ path: join(SHOTS, "inbox.png"), fullPage: true });
    await row.locator("button[value=approve]").click();
    await confirmDialog(page);
    await page.waitForSelector(`#inbox tr[data-run-id="${runId}"][data-decided=true]`);
    const done = await finished(runId);
    expect(done.result).toEqual({ approved: true, by: "console" });
    await page.close();
  });

  it("cancels a run after a confirmation", async () => {
    const runId = await start("await-approval", { request: "cancel me", timeoutMs: 3_600_000 });
    await until(
      "the run waits",
      () => runStatus(runId),
      (r) => r.status === "waiting",
    );
    const page = await open(`/console/runs/${runId}`);
    await page.click('#repair-form button[value="cancel"]');
    await page.waitForSelector("dialog#confirm[open]");
    await page.click('dialog#confirm button[value="cancel"]'); // "Back": nothing happens
    expect((await runStatus(runId)).status).toBe("waiting");
    await page.click('#repair-form button[value="cancel"]');
    await confirmDialog(page);
    await page.waitForSelector("#run-status [data-status=canceled]", { timeout: 30_000 });
    await page.close();
  });

  it("refuses a forged cross-site POST and one without the CSRF token", async () => {
    const runId = await start("await-approval", { request: "forgery", timeoutMs: 3_600_000 });
    await until(
      "the run waits",
      () => runStatus(runId),
      (r) => r.status === "waiting",
    );
    // Another site's page, posting a form to the API with the victim's browser.
    const evil = await context.newPage();
    await evil.route("http://evil.test/**", (route) =>
      route.fulfill({
        contentType: "text/html",
        body: `<form id=f method=post action="${dev.url}/api/runs/${runId}/cancel"></form>`,
      }),
    );
    await evil.goto("http://evil.test/");
    const answer = evil.waitForResponse((r) => r.url().endsWith(`/api/runs/${runId}/cancel`));
    await evil.evaluate(() => (document.getElementById("f") as HTMLFormElement).submit());
    expect((await answer).status()).toBeGreaterThanOrEqual(401);
    await evil.close();
    // Same origin, but without the page's CSRF token.
    const page = await open(`/console/runs/${runId}`);
    const res = await page.evaluate(async (path) => {
      const r = await fetch(path, { method: "POST" });
      return { status: r.status, code: ((await r.json()) as { code: string }).code };
    }, `/api/runs/${runId}/cancel`);
    expect(res).toEqual({ status: 403, code: "auth.csrf_failed" });
    pageErrors = pageErrors.filter((e) => !e.includes("403"));
    expect((await runStatus(runId)).status).toBe("waiting");
    await page.close();
  });

  it("shows the threads and the pools", async () => {
    const thread = await api("POST", "/api/threads", { userId: "grace", title: "Console test" });
    expect(thread.status).toBe(201);
    const pooled = await start("chaos.pooled", { n: 2, ms: 0 });
    await finished(pooled);
    const threads = await open("/console/threads?userId=grace");
    await threads.waitForSelector(`#threads tr[data-thread-id="${thread.json.threadId}"]`);
    await threads.screenshot({ path: join(SHOTS, "threads.png"), fullPage: true });
    await threads.close();
    const pools = await open("/console/pools");
    await pools.waitForSelector('#pools tr[data-pool="chaos-pool"]');
    expect(await pools.getAttribute('#pools tr[data-pool="chaos-pool"] td[data-in-flight]', "data-in-flight")).toBe("0");
    await pools.screenshot({ path: join(SHOTS, "pools.png"), fullPage: true });
    await pools.close();
  });
});

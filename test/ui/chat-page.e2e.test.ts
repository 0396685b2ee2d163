// The chat page in headless Chromium (Debian's chromium, driven by playwright-core) against
// `wrangler dev`: type a message and watch the answer stream, reload and see the history, survive a
// dropped socket (resume), and show an answer a workflow's agent step streams into the thread.
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, type DevServer } from "../helpers/wrangler-dev.ts";
import { apiOf, messages, newThread, PROMPT, TOKEN, until } from "../helpers/chat-client.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let dev: DevServer;
let browser: Browser;

beforeAll(async () => {
  // Both are kept even when the other fails, so afterAll can end whichever started.
  const [server, chrome] = await Promise.allSettled([
    startWranglerDev({ config: "test/wrangler.test.toml", vars: { API_TOKEN: TOKEN, STEPWISE_OFFLINE_CHUNK_DELAY_MS: "40" } }),
    chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS }),
  ]);
  if (server.status === "fulfilled") dev = server.value;
  if (chrome.status === "fulfilled") browser = chrome.value;
  if (server.status === "rejected") throw server.reason;
  if (chrome.status === "rejected")
    throw new Error(`Chromium did not start from ${CHROMIUM} (install Debian's chromium: apt-get install chromium)`, { cause: chrome.reason });
});

afterAll(async () => {
  await browser?.close();
  await dev?.dispose();
});

/** Errors thrown in any page of the current test: none are expected. */
let pageErrors: string[] = [];
afterEach(() => {
  expect(pageErrors).toEqual([]);
  pageErrors = [];
});

async function openChat(threadId: string): Promise<Page> {
  const page = await browser.newPage();
  page.on("pageerror", (err) => pageErrors.push(err.message));
  const sdk = page.waitForResponse((res) => res.url().endsWith("/chat/assets/ai-transport.js"));
  // The token travels in the fragment (never sent to the server); the page moves it to sessionStorage.
  await page.goto(`${dev.url}/chat/${threadId}#token=${encodeURIComponent(TOKEN)}`);
  // The page speaks the protocol through the ai SDK's own WebSocketChatTransport, bundled for it.
  const res = await sdk;
  expect(res.status()).toBe(200);
  expect(await res.text()).toContain("WebSocketChatTransport from ai@");
  await page.waitForSelector("body[data-connection=online]");
  return page;
}

const historyOf = (page: Page) =>
  page.$$eval("#history li", (items) =>
    items.map((li) => ({
      role: (li as HTMLElement).dataset.role,
      text: li.querySelector(".text")?.textContent ?? "",
      mark: (li as HTMLElement).dataset.mark ?? null,
    })),
  );

describe("the chat page", () => {
  it("streams the answer to a typed message; after a reload the history shows both", async () => {
    const threadId = await newThread(dev);
    const page = await openChat(threadId);
    expect(new URL(page.url()).hash).toBe(""); // the token left the URL at once

    await page.fill("#prompt", PROMPT);
    await page.press("#prompt", "Enter");
    // Mid-answer: a live bubble whose text grows.
    const live = page.locator("#live li.live[data-state=streaming] .text");
    await live.filter({ hasText: "[offline model]" }).waitFor();
    const partial = await live.textContent();
    await page.waitForSelector("#live li.live", { state: "detached" });
    const saved = await messages(dev, threadId);
    expect(saved.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(saved[1]!.text.startsWith(partial!)).toBe(true);
    expect(partial!.length).toBeLessThan(saved[1]!.text.length);
    expect(await historyOf(page)).toEqual([
      { role: "user", text: PROMPT, mark: null },
      { role: "assistant", text: saved[1]!.text, mark: null },
    ]);

    await page.reload();
    await page.waitForSelector("body[data-connection=online]");
    expect(await historyOf(page)).toEqual([
      { role: "user", text: PROMPT, mark: null },
      { role: "assistant", text: saved[1]!.text, mark: null },
    ]);
    await page.close();
  });

  it("recovers from a dropped connection by resuming the answer, and ends with the saved text", async () => {
    const threadId = await newThread(dev);
    const page = await openChat(threadId);
    await page.fill("#prompt", PROMPT);
    await page.press("#prompt", "Enter");
    await page.locator("#live li.live .text").filter({ hasText: "[offline model]" }).waitFor();
    await page.evaluate(() => (window as unknown as { stepwiseChat: { drop(): void } }).stepwiseChat.drop());
    await page.waitForSelector("body[data-connection=online]");
    await page.waitForSelector("#live li.live", { state: "detached" });
    const saved = await messages(dev, threadId);
    expect(saved.map((m) => [m.role, m.status])).toEqual([
      ["user", "success"],
      ["assistant", "success"],
    ]);
    expect((await historyOf(page)).at(-1)).toEqual({ role: "assistant", text: saved[1]!.text, mark: null });
    await page.close();
  });

  it("shows an answer a workflow's agent step streams into the thread, live", async () => {
    const threadId = await newThread(dev);
    const page = await openChat(threadId);
    const run = await apiOf(dev)("POST", "/api/workflows/stream-answer/runs", { args: { prompt: PROMPT, threadId } });
    expect(run.status).toBe(201);
    const live = page.locator("#live li.live[data-state=streaming]");
    await live.locator(".who", { hasText: "streamer" }).waitFor();
    await live.locator(".text").filter({ hasText: "[offline model]" }).waitFor();
    await page.waitForSelector("#live li.live", { state: "detached" });
    await until(
      "the run completed",
      () => apiOf(dev)("GET", `/api/runs/${run.json.runId}?steps=none`),
      (r) => r.json.status === "completed",
    );
    const saved = await messages(dev, threadId);
    expect(await historyOf(page)).toEqual([
      { role: "user", text: PROMPT, mark: null },
      { role: "assistant", text: saved[1]!.text, mark: null },
    ]);
    await page.close();
  });

  it("asks for the token when this tab has none", async () => {
    const threadId = await newThread(dev);
    const page = await browser.newPage();
    await page.goto(`${dev.url}/chat/${threadId}`);
    await page.waitForSelector("#token-form:not([hidden])");
    await page.fill("#token-input", TOKEN);
    await page.press("#token-input", "Enter");
    await page.waitForSelector("body[data-connection=online]");
    expect(await page.evaluate(() => sessionStorage.getItem("stepwise.apiToken"))).toBe(TOKEN);
    await page.close();
  });
});

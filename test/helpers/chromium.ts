/// <reference types="node" />
// Headless Chromium for the browser tests and the console bench: Debian's chromium (`/usr/bin/chromium`)
// driven by playwright-core, with the flags that keep it quiet and offline.
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

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

/** Starts Chromium, or fails saying how to install it. */
export async function launchChromium(): Promise<Browser> {
  try {
    return await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  } catch (cause) {
    throw new Error(`Chromium did not start from ${CHROMIUM} (install Debian's chromium: apt-get install chromium)`, { cause });
  }
}

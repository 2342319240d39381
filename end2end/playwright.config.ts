import { defineConfig } from "@playwright/test";

// scripts/test starts one Portico per storage backend and passes them here as
// PORTICO_E2E_TARGETS="sqlite=http://127.0.0.1:3101,postgres=http://127.0.0.1:3102".
// Every spec runs against each backend, with JavaScript on and off.
const targets = (process.env.PORTICO_E2E_TARGETS ?? "sqlite=http://127.0.0.1:3000")
  .split(",")
  .map((pair) => pair.split("=") as [string, string]);

// Debian's chromium; Playwright's own browser downloads cannot work here.
const launchOptions = {
  executablePath: process.env.PORTICO_CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};

export default defineConfig({
  testDir: "./tests",
  // Each spec seeds its own customers at the emulator first (several seconds
  // on a busy 2-core machine).
  timeout: 90_000,
  // Two Porticos (debug builds), the emulator and Chromium share two cores:
  // an action's page can take more than Playwright's default 5 s to show.
  // Speed is measured by benchmarks, not here.
  expect: { timeout: 15_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [["list"]],
  use: { launchOptions, locale: "en-US", trace: "off" },
  // The merchant's site that embeds the portal (embed.spec.ts).
  webServer: {
    command: "node host-server.mjs",
    url: "http://127.0.0.2:3199/health",
    reuseExistingServer: false,
  },
  projects: targets.flatMap(([name, baseURL]) => [
    { name: `${name}-js`, use: { baseURL, javaScriptEnabled: true } },
    { name: `${name}-nojs`, use: { baseURL, javaScriptEnabled: false } },
  ]),
});

import type { Page } from "@playwright/test";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";

/** The secret scripts/test gives Portico (scripts/lib/common.sh). */
const HASH_SECRET = process.env.PORTICO_HASH_SECRET ?? "portico-local-hash-secret";

type Seed = {
  customers: Record<string, { id: string; email: string; subscriptions: Record<string, string> }>;
};

export function seed(): Seed {
  const path = process.env.PORTICO_E2E_SEED;
  if (!path) throw new Error("PORTICO_E2E_SEED is not set: run scripts/test");
  return JSON.parse(readFileSync(path, "utf8"));
}

/** A sign-in link as a merchant's server builds it (Billflow's Node snippet). */
export function signInPath(key: "email" | "customer_id", value: string): string {
  const hash = createHmac("sha256", HASH_SECRET).update(value).digest("hex");
  return `/portal?${key}=${encodeURIComponent(value)}&hash=${hash}`;
}

/** With JavaScript on, waits until the page is hydrated (controls are live). */
export async function hydrated(page: Page, javaScriptEnabled: boolean): Promise<void> {
  if (javaScriptEnabled) await page.locator("body[data-hydrated]").waitFor();
}

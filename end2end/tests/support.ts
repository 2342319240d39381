import { expect, type Page } from "@playwright/test";
import Stripe from "stripe";
import { createHmac } from "node:crypto";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The secret scripts/test gives Portico (scripts/lib/common.sh). */
const HASH_SECRET = process.env.PORTICO_HASH_SECRET ?? "portico-local-hash-secret";

export type Seed = {
  prices: Record<string, string>;
  customers: Record<
    string,
    { id: string; email: string; subscriptions: Record<string, string>; payment_method: string; invoices: string[]; open_invoice?: string }
  >;
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

const STRIPE = process.env.PORTICO_E2E_STRIPE ?? "http://127.0.0.1:12211";

/** Fresh customers (same catalog) for a test that changes subscriptions. */
/** Reloads the page until `check` passes. A change made at Stripe itself (on its hosted
 * invoice page, say) reaches the portal with its webhook, moments after Stripe answered. */
export async function reloadUntil(page: Page, check: () => Promise<void>, timeout = 15_000): Promise<void> {
  await expect(async () => {
    await page.reload();
    await check();
  }).toPass({ timeout });
}

export function freshSeed(tag: string): Seed {
  const unique = `${tag}${Date.now()}${Math.floor(Math.random() * 1e6)}`;
  const out = join(tmpdir(), `portico-e2e-${unique}.json`);
  const venv = process.env.PORTICO_VENV ?? join(__dirname, "..", "..", ".venv");
  execFileSync(join(venv, "bin", "python"), [join(__dirname, "..", "..", "emulator", "seed.py"), "--email-suffix", `+${unique}`, "--out", out], {
    env: { ...process.env, STRIPE_API_BASE: STRIPE },
    stdio: "ignore",
  });
  return JSON.parse(readFileSync(out, "utf8"));
}

/** A subscription as the merchant sees it at Stripe. */
export async function stripeSubscription(id: string): Promise<any> {
  const response = await fetch(`${STRIPE}/v1/subscriptions/${id}`, {
    headers: { Authorization: "Bearer sk_test_portico_e2e" },
  });
  return response.json();
}

async function stripe(method: string, path: string, form?: Record<string, string>): Promise<any> {
  const response = await fetch(`${STRIPE}/v1/${path}`, {
    method,
    headers: { Authorization: "Bearer sk_test_portico_e2e", "Content-Type": "application/x-www-form-urlencoded" },
    body: form ? new URLSearchParams(form).toString() : undefined,
  });
  return response.json();
}

/** A customer as the merchant sees it at Stripe. */
export async function stripeCustomer(id: string): Promise<any> {
  return stripe("GET", `customers/${id}`);
}

/** Saves another card on a customer, as if added earlier; returns its id. */
export async function addCard(customer: string, number: string, expMonth = "12", expYear = "2034"): Promise<string> {
  const pm = await stripe("POST", "payment_methods", {
    type: "card",
    "card[number]": number,
    "card[exp_month]": expMonth,
    "card[exp_year]": expYear,
    "card[cvc]": "123",
  });
  await stripe("POST", `payment_methods/${pm.id}/attach`, { customer });
  return pm.id;
}

/** Makes `paymentMethod` the card Stripe charges the customer's invoices to. */
export async function makeDefaultCard(customer: string, paymentMethod: string): Promise<void> {
  await stripe("POST", `customers/${customer}`, { "invoice_settings[default_payment_method]": paymentMethod });
}

/** The merchant's site scripts/test allows as a return origin (another origin than the portal). */
export const MERCHANT = process.env.PORTICO_E2E_MERCHANT ?? "http://127.0.0.2:3199";

/**
 * The official Stripe SDK for Node, as a merchant's server uses it, pointed
 * at the Portico under test: only the key and the host change.
 */
export function merchantStripe(projectName: string, baseURL: string): Stripe {
  const backend = projectName.split("-")[0];
  const keys = Object.fromEntries(
    (process.env.PORTICO_E2E_API_KEYS ?? "").split(",").map((pair) => pair.split("=") as [string, string]),
  );
  const key = keys[backend];
  if (!key) throw new Error(`no API key for ${backend}: run scripts/test`);
  const url = new URL(baseURL);
  return new Stripe(key, {
    host: url.hostname,
    port: Number(url.port),
    protocol: url.protocol.replace(":", "") as "http" | "https",
    maxNetworkRetries: 0,
  });
}

/**
 * Runs one SQL statement on the database of the Portico under test, for
 * what a browser cannot do in a test, such as letting ten minutes pass.
 * scripts/test passes PORTICO_E2E_DATABASES="sqlite=<file>,postgres=<url>".
 */
export function portalSql(projectName: string, sql: string): void {
  const backend = projectName.split("-")[0];
  const databases = Object.fromEntries(
    (process.env.PORTICO_E2E_DATABASES ?? "").split(",").map((pair) => {
      const at = pair.indexOf("=");
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
  const database = databases[backend];
  if (!database) throw new Error(`no database for ${backend}: run scripts/test`);
  if (backend === "sqlite") {
    const script = "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.execute(sys.argv[2])\nc.commit()";
    execFileSync("python3", ["-c", script, database, sql]);
  } else {
    execFileSync("psql", [database, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql]);
  }
}

/** A message the SMTP sink (emulator/mail_sink.py) received. */
export type Mail = { to: string[]; from: string; subject: string; text: string; html: string };

const MAILBOX = process.env.PORTICO_E2E_MAILBOX ?? "http://127.0.0.1:12226";

/** Every message the SMTP sink holds for `to`, oldest first. */
export async function mailbox(to: string): Promise<Mail[]> {
  const response = await fetch(`${MAILBOX}/messages?to=${encodeURIComponent(to)}`);
  return response.json();
}

/** Waits until `to` has received `count` messages and returns the last one. */
export async function waitForMail(to: string, count = 1): Promise<Mail> {
  for (let i = 0; i < 150; i++) {
    const mail = await mailbox(to);
    if (mail.length >= count) return mail[count - 1];
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${to} received fewer than ${count} emails`);
}

/** The sign-in link in an email's text. */
export function linkIn(text: string): string {
  const link = text.split(/\s+/).find((word) => word.startsWith("http") && word.includes("token="));
  if (!link) throw new Error(`no link in ${text}`);
  return link;
}

/** A signed identity that expires, as the README's Node snippet makes it. */
export function signedIdentity(value: string, keyId = "default", secret = HASH_SECRET): string {
  const time = Math.floor(Date.now() / 1000);
  const key = createHmac("sha256", "portico-signed-identity-v2").update(secret).digest();
  const mac = createHmac("sha256", key).update(`v2\n${keyId}\n${time}\n${value}`).digest("hex");
  return `v2.${keyId}.${time}.${mac}`;
}

import { expect, test, type Page } from "@playwright/test";
import { MERCHANT, freshSeed, linkIn, seed, signedIdentity, stripeSubscription, waitForMail } from "./support";

// The merchant's page lives on another origin (127.0.0.2) than the portal
// (127.0.0.1): another site, so the iframe is a third-party context. It is
// served by host-server.mjs, loads embed.js from the portal and collects
// handleResponse's payloads in window.events.
function hostPage(site: string, portal: string, settings: Record<string, unknown>): string {
  const query = new URLSearchParams({ portal: new URL(portal).origin, settings: JSON.stringify(settings) });
  return `${site}/embed-host?${query}`;
}

function events(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as any).events.map((e: any) => e.event));
}

test("the portal embedded on the merchant's site reports the customer's actions", async ({ page, baseURL, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, "the embed is a script on the merchant's page");
  const ada = freshSeed("embed").customers.ada;
  const sub = ada.subscriptions.pro_monthly;
  await page.goto(hostPage(MERCHANT, baseURL!, { email: ada.email, hash: signedIdentity(ada.email) }));

  const portal = page.frameLocator("#portico-embed iframe");
  await expect(portal.getByRole("heading", { name: "Your subscriptions" })).toBeVisible();
  await expect.poll(() => events(page)).toEqual(["pre_load", "post_load"]);
  // The iframe takes its content's height and the portal's title.
  const iframe = page.locator("#portico-embed iframe");
  await expect.poll(() => iframe.evaluate((el) => el.getBoundingClientRect().height)).toBeGreaterThan(500);
  await expect(iframe).toHaveAttribute("title", "Billing portal");

  await portal.locator("body[data-hydrated]").waitFor();
  await portal.getByRole("article", { name: "Pro" }).getByRole("link", { name: "Cancel subscription" }).click();
  await expect(portal.getByRole("heading", { level: 1, name: "Cancel Pro?" })).toBeVisible();
  await portal.getByLabel("It's too expensive").check();
  await portal.getByRole("button", { name: "Cancel subscription" }).click();
  await expect(portal.getByRole("status")).toContainText("Your subscription has been canceled");

  await expect.poll(() => events(page)).toContain("cancel");
  const cancel = await page.evaluate(() => (window as any).events.find((e: any) => e.event === "cancel"));
  expect(cancel.response.subscription.id).toBe(sub);
  expect(cancel.response.subscription.cancel_at_period_end).toBe(true);
  expect((await stripeSubscription(sub)).cancel_at_period_end).toBe(true);

  // Reactivating is reported too, once.
  await portal.getByRole("article", { name: "Pro" }).getByRole("button", { name: "Keep subscription" }).click();
  await expect.poll(() => events(page)).toContain("reactivate");
  expect((await events(page)).filter((e) => e === "cancel")).toHaveLength(1);
  expect((await stripeSubscription(sub)).cancel_at_period_end).toBe(false);
});

test("a plan change in the embed reports Billflow's select_plan, pre_change_plan and change_plan", async ({ page, baseURL, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, "the embed is a script on the merchant's page");
  const fresh = freshSeed("embedplan");
  const ada = fresh.customers.ada;
  const sub = ada.subscriptions.pro_monthly;
  await page.goto(hostPage(MERCHANT, baseURL!, { email: ada.email, hash: signedIdentity(ada.email) }));
  const portal = page.frameLocator("#portico-embed iframe");
  await portal.locator("body[data-hydrated]").waitFor();
  await portal.getByRole("article", { name: "Pro" }).getByRole("link", { name: "Change plan" }).click();
  await portal.getByRole("link", { name: "Yearly" }).click();
  await portal.locator(".plan", { hasText: "$290.00 / year" }).getByRole("link", { name: /Select/ }).click();
  await expect(portal.getByRole("heading", { name: "Review your change" })).toBeVisible();

  await expect.poll(() => events(page)).toContain("select_plan");
  const selected = await page.evaluate(() => (window as any).events.find((e: any) => e.event === "select_plan"));
  expect(selected.response.subscription.id).toBe(sub);
  expect(selected.response.plan).toMatchObject({ price: fresh.prices.pro_yearly, amount: 29000, currency: "usd", interval: "year" });

  await portal.getByRole("button", { name: "Confirm plan change" }).click();
  await expect(portal.getByRole("status")).toContainText("Your plan has been changed.");
  await expect.poll(() => events(page)).toContain("change_plan");
  const names = await events(page);
  // pre_change_plan is sent as the form goes, before Stripe is asked.
  expect(names.indexOf("pre_change_plan")).toBeGreaterThan(names.indexOf("select_plan"));
  expect(names.indexOf("pre_change_plan")).toBeLessThan(names.indexOf("change_plan"));
  const changed = await page.evaluate(() => (window as any).events.find((e: any) => e.event === "change_plan"));
  expect(changed.response.subscription.price).toBe(fresh.prices.pro_yearly);
  expect((await stripeSubscription(sub)).items.data[0].price.id).toBe(fresh.prices.pro_yearly);
});

test("a site that is not an allowed origin can neither embed nor frame the portal", async ({ page, baseURL, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, "the embed is a script on the merchant's page");
  const ada = seed().customers.ada;
  const evil = "http://127.0.0.3:3199";

  // With embed.js the portal refuses the origin, and nothing is posted to it.
  await page.goto(hostPage(evil, baseURL!, { email: ada.email, hash: signedIdentity(ada.email) }));
  await expect(page.locator("#portico-embed iframe")).toBeAttached();
  await page.waitForTimeout(1000);
  expect(await events(page)).toEqual(["pre_load"]);

  // Forging embed.js's parameters (an allowed origin, a leaked identity)
  // opens a session, but the browser will not show the page inside this
  // site: frame-ancestors names only the merchant's.
  const forged = new URLSearchParams({ email: ada.email, hash: signedIdentity(ada.email), origin: MERCHANT });
  const refused = page.waitForEvent("console", { predicate: (m) => m.text().includes("frame-ancestors"), timeout: 10_000 });
  await page.goto(`${evil}/frame?src=${encodeURIComponent(`${baseURL}/embed?${forged}`)}`);
  await refused;
  await expect(page.frameLocator("iframe").getByRole("heading", { name: "Your subscriptions" })).toHaveCount(0);
});

test("without an identity the embed offers the email sign-in", async ({ page, baseURL, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, "the embed is a script on the merchant's page");
  await page.goto(hostPage(MERCHANT, baseURL!, {}));
  const portal = page.frameLocator("#portico-embed iframe");
  await expect(portal.getByRole("heading", { name: "Sign in to your billing portal" })).toBeVisible();
  await expect.poll(() => events(page)).toEqual(["pre_load", "post_load"]);
});

test("an emailed sign-in token handed to the merchant's page signs in inside the embed", async ({ page, baseURL, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, "the embed is a script on the merchant's page");
  const ada = freshSeed("embedmail").customers.ada;
  // The merchant's login_redirect_url page receives ?portico_token=…
  await page.goto("/login");
  await page.getByLabel("Email address").fill(ada.email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  const token = new URL(linkIn((await waitForMail(ada.email)).text)).searchParams.get("token")!;
  await page.context().clearCookies();

  await page.goto(`${hostPage(MERCHANT, baseURL!, {})}&portico_token=${token}`);
  // embed.js takes the token out of the address, so a reload cannot spend it again.
  await expect(page).not.toHaveURL(/portico_token/);
  const portal = page.frameLocator("#portico-embed iframe");
  await expect(portal.getByText(/signs in the account of .•••@example\.com/)).toBeVisible();
  await portal.getByRole("button", { name: "Continue to the billing portal" }).click();
  await expect(portal.getByRole("heading", { name: "Your subscriptions" })).toBeVisible();
  await expect(portal.getByText(`Signed in as ${ada.email}`)).toBeVisible();

  // The session lives in the iframe's (partitioned) cookie: a reload of the
  // merchant's page finds the customer still signed in.
  await page.reload();
  await expect(portal.getByRole("heading", { name: "Your subscriptions" })).toBeVisible();

  await portal.getByRole("button", { name: "Sign out" }).click();
  await expect(portal.getByRole("heading", { name: "You're signed out" })).toBeVisible();
  await expect.poll(() => events(page)).toContain("sign_out");
});

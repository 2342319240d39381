import { expect, test } from "@playwright/test";
import Stripe from "stripe";
import { MERCHANT, freshSeed, hydrated, merchantStripe, seed, stripeSubscription } from "./support";

// A merchant's server creates portal sessions with the official Stripe SDK
// for Node, changing only the key and the host; the customer follows the
// returned URL in Chromium. JavaScript on and off (playwright.config.ts).

test("the official Stripe SDK creates a session that opens the customer's portal once", async ({ page, browser, baseURL }, testInfo) => {
  const stripe = merchantStripe(testInfo.project.name, baseURL!);
  const ada = seed().customers.ada;
  const session = await stripe.billingPortal.sessions.create({
    customer: ada.id,
    return_url: `${MERCHANT}/account`,
  });
  expect(session.object).toBe("billing_portal.session");
  expect(session.id).toMatch(/^bps_/);
  expect(session.customer).toBe(ada.id);
  expect(session.livemode).toBe(false);
  expect(session.flow).toBeNull();
  expect(session.url).toContain("/session/plink_");

  await page.goto(session.url);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { name: "Your subscriptions" })).toBeVisible();
  await expect(page.getByRole("article", { name: "Pro" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Return to 127.0.0.2:3199" })).toHaveAttribute("href", `${MERCHANT}/account`);

  // The link was for one browser: another one gets a clear page and the way back.
  const other = await browser.newContext();
  const second = await other.newPage();
  const response = await second.goto(session.url);
  expect(response?.status()).toBe(410);
  await expect(second.getByRole("alert")).toContainText("expired or was already used");
  await expect(second.getByRole("link", { name: "Return to 127.0.0.2:3199" })).toBeVisible();
  await other.close();
});

test("the SDK reads Portico's refusals as Stripe errors", async ({ baseURL }, testInfo) => {
  test.skip(!testInfo.project.name.endsWith("-js"), "no browser involved");
  const stripe = merchantStripe(testInfo.project.name, baseURL!);
  const ada = seed().customers.ada;
  const refused = await stripe.billingPortal.sessions
    .create({ customer: ada.id, return_url: "https://evil.example/" })
    .catch((e) => e);
  expect(refused).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  expect(refused.statusCode).toBe(400);
  expect(refused.param).toBe("return_url");
  expect(refused.code).toBe("url_invalid");

  const missing = await stripe.billingPortal.sessions.create({ customer: "cus_nobody" }).catch((e) => e);
  expect(missing.code).toBe("resource_missing");
  expect(missing.param).toBe("customer");

  const wrongKey = new Stripe("portico_sk_test_wrong", { host: new URL(baseURL!).hostname, port: Number(new URL(baseURL!).port), protocol: "http", maxNetworkRetries: 0 });
  const unauthorized = await wrongKey.billingPortal.sessions.create({ customer: ada.id }).catch((e) => e);
  expect(unauthorized).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
});

test("a deep-linked cancel flow offers the coupon, shows only itself and returns to the merchant", async ({ page, baseURL, javaScriptEnabled }, testInfo) => {
  const stripe = merchantStripe(testInfo.project.name, baseURL!);
  const fresh = freshSeed("flow");
  const ada = fresh.customers.ada;
  const sub = ada.subscriptions.pro_monthly;
  const session = await stripe.billingPortal.sessions.create({
    customer: ada.id,
    return_url: `${MERCHANT}/account`,
    flow_data: {
      type: "subscription_cancel",
      subscription_cancel: {
        subscription: sub,
        retention: { type: "coupon_offer", coupon_offer: { coupon: "SPRING25-COUPON" } },
      },
      after_completion: { type: "redirect", redirect: { return_url: `${MERCHANT}/canceled` } },
    },
  });
  expect(session.flow?.type).toBe("subscription_cancel");
  expect(session.flow?.subscription_cancel?.retention?.coupon_offer?.coupon).toBe("SPRING25-COUPON");

  await page.goto(session.url);
  await expect(page).toHaveURL(new RegExp(`/subscriptions/${sub}/cancel$`));
  await expect(page.getByRole("heading", { name: "Before you go" })).toBeVisible();
  await expect(page.getByText("Stay with us and get 25% off on this subscription.")).toBeVisible();

  // The rest of the portal is not part of this flow.
  await page.goto("/invoices");
  await expect(page).toHaveURL(new RegExp(`/subscriptions/${sub}/cancel$`));
  await hydrated(page, javaScriptEnabled);
  // "Keep my subscription" leads back to the merchant, not into the portal.
  await expect(page.getByRole("link", { name: "Keep my subscription" })).toHaveAttribute("href", `${MERCHANT}/account`);

  await page.getByRole("button", { name: "Cancel subscription" }).click();
  await expect(page).toHaveURL(`${MERCHANT}/canceled`);
  await expect(page.getByRole("heading", { name: "Back at the shop" })).toBeVisible();
  expect((await stripeSubscription(sub)).cancel_at_period_end).toBe(true);
});

test("taking the retention offer ends the flow on a confirmation with the merchant's message", async ({ page, baseURL, javaScriptEnabled }, testInfo) => {
  const stripe = merchantStripe(testInfo.project.name, baseURL!);
  const fresh = freshSeed("offer");
  const ada = fresh.customers.ada;
  const sub = ada.subscriptions.seats;
  const session = await stripe.billingPortal.sessions.create({
    customer: ada.id,
    return_url: `${MERCHANT}/account`,
    flow_data: {
      type: "subscription_cancel",
      subscription_cancel: {
        subscription: sub,
        retention: { type: "coupon_offer", coupon_offer: { coupon: "SPRING25-COUPON" } },
      },
      after_completion: { type: "hosted_confirmation", hosted_confirmation: { custom_message: "Thanks for staying with Acme!" } },
    },
  });
  await page.goto(session.url);
  await hydrated(page, javaScriptEnabled);
  await page.getByRole("button", { name: "Accept the offer and stay" }).click();
  await expect(page).toHaveURL(/\/flow\/done/);
  await expect(page.getByRole("heading", { name: "All done" })).toBeVisible();
  await expect(page.getByText("Thanks for staying with Acme!")).toBeVisible();
  // The confirmation offers the way back itself (the header has it too).
  await expect(page.getByRole("status", { name: "All done" }).getByRole("link", { name: "Return to 127.0.0.2:3199" })).toHaveAttribute("href", `${MERCHANT}/account`);
  const stayed = await stripeSubscription(sub);
  expect(stayed.cancel_at_period_end).toBe(false);
  expect(stayed.discounts).toHaveLength(1);
});

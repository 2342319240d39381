import { expect, test } from "@playwright/test";
import { addCard, freshSeed, hydrated, makeDefaultCard, reloadUntil, signInPath, stripeSubscription } from "./support";

// Every test runs with JavaScript on and off (see playwright.config.ts): the
// same clicks must work both ways.

test("cancel with a reason, then keep the subscription", async ({ page, javaScriptEnabled }) => {
  const seed = freshSeed("cancel");
  const sub = seed.customers.ada.subscriptions.pro_monthly;
  await page.goto(signInPath("email", seed.customers.ada.email));
  await hydrated(page, javaScriptEnabled);

  await page.getByRole("article", { name: "Pro" }).getByRole("link", { name: "Cancel subscription" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Cancel Pro?" })).toBeVisible();
  await expect(page.getByText(/stays active until/)).toBeVisible();
  await hydrated(page, javaScriptEnabled);
  await page.getByLabel("It's too expensive").check();
  await page.getByLabel(/Anything else/).fill("Too pricey for our team");
  await page.getByRole("button", { name: "Cancel subscription" }).click();

  await expect(page.getByRole("status")).toContainText("Your subscription has been canceled. You keep access until");
  const canceled = await stripeSubscription(sub);
  expect(canceled.cancel_at_period_end).toBe(true);
  expect(canceled.metadata.portico_cancel_reason).toBe("too_expensive");
  expect(canceled.cancellation_details.comment).toBe("Too pricey for our team");

  await hydrated(page, javaScriptEnabled);
  await page.getByRole("article", { name: "Pro" }).getByRole("button", { name: "Keep subscription" }).click();
  await expect(page.getByRole("status")).toContainText("Your subscription will continue");
  expect((await stripeSubscription(sub)).cancel_at_period_end).toBe(false);
});

test("change the number of seats", async ({ page, javaScriptEnabled }) => {
  const seed = freshSeed("seats");
  await page.goto(signInPath("email", seed.customers.ada.email));
  await hydrated(page, javaScriptEnabled);
  const seats = page.getByRole("article", { name: "Team Seats" });
  await seats.getByLabel("Quantity").fill("8");
  await seats.getByRole("button", { name: "Update quantity" }).click();
  await expect(page.getByRole("status")).toContainText("The quantity has been updated.");
  await expect(page.getByRole("article", { name: "Team Seats" })).toContainText("$96.00 / month");
  expect((await stripeSubscription(seed.customers.ada.subscriptions.seats)).items.data[0].quantity).toBe(8);

  // Back and forth: each change must reach Stripe, not replay an earlier one.
  for (const quantity of ["5", "8"]) {
    await hydrated(page, javaScriptEnabled);
    await page.getByRole("article", { name: "Team Seats" }).getByLabel("Quantity").fill(quantity);
    await page.getByRole("article", { name: "Team Seats" }).getByRole("button", { name: "Update quantity" }).click();
    await expect(page.getByRole("article", { name: "Team Seats" })).toContainText(quantity === "5" ? "$60.00 / month" : "$96.00 / month");
    expect((await stripeSubscription(seed.customers.ada.subscriptions.seats)).items.data[0].quantity).toBe(Number(quantity));
  }
});

test("an invalid coupon is refused, a valid one lowers the price", async ({ page, javaScriptEnabled }) => {
  const seed = freshSeed("coupon");
  await page.goto(signInPath("email", seed.customers.ada.email));
  await hydrated(page, javaScriptEnabled);
  const pro = () => page.getByRole("article", { name: "Pro" });

  await pro().getByLabel("Coupon or promotion code").fill("NOT-A-COUPON");
  await pro().getByRole("button", { name: "Apply code" }).click();
  await expect(pro().getByRole("alert")).toContainText("This coupon code isn't valid");
  expect((await stripeSubscription(seed.customers.ada.subscriptions.pro_monthly)).discounts).toHaveLength(0);

  await hydrated(page, javaScriptEnabled);
  await pro().getByLabel("Coupon or promotion code").fill("WELCOME20");
  await pro().getByRole("button", { name: "Apply code" }).click();
  await expect(page.getByRole("status")).toContainText("The coupon has been applied.");
  await expect(pro()).toContainText("Coupon WELCOME20 applied (20% off). After discount: $23.20 / month");

  // A promotion code, typed in any case, applies its coupon.
  await hydrated(page, javaScriptEnabled);
  const seats = () => page.getByRole("article", { name: "Team Seats" });
  await seats().getByLabel("Coupon or promotion code").fill("spring25");
  await seats().getByRole("button", { name: "Apply code" }).click();
  await expect(page.getByRole("status")).toContainText("The coupon has been applied.");
  await expect(seats()).toContainText("Coupon SPRING25 applied (25% off). After discount: $45.00 / month");
  const discounted = await stripeSubscription(seed.customers.ada.subscriptions.seats);
  expect(discounted.discounts).toHaveLength(1);
});

test("change plan after previewing the cost", async ({ page, javaScriptEnabled }) => {
  const seed = freshSeed("plan");
  await page.goto(signInPath("email", seed.customers.ada.email));
  await hydrated(page, javaScriptEnabled);
  await page.getByRole("article", { name: "Pro" }).getByRole("link", { name: "Change plan" }).click();

  await expect(page.getByRole("heading", { level: 1, name: "Choose a plan" })).toBeVisible();
  // The current plan is marked; the yearly tab lists the yearly tiers.
  await expect(page.locator(".plan-current")).toContainText("Current plan");
  await page.getByRole("link", { name: "Yearly" }).click();
  await expect(page.getByRole("link", { name: "Yearly" })).toHaveAttribute("aria-current", "page");
  const proYearly = page.locator(".plan", { hasText: "$290.00 / year" });
  await proYearly.getByRole("link", { name: /Select/ }).click();

  await expect(page.getByRole("heading", { name: "Review your change" })).toBeVisible();
  await expect(page.getByText("New plan: Pro, $290.00 / year")).toBeVisible();
  // Monthly to yearly resets the billing cycle: Stripe invoices at once.
  await expect(page.locator(".amount-due")).toContainText("Amount due today: $");
  await hydrated(page, javaScriptEnabled);
  await page.getByRole("button", { name: "Confirm plan change" }).click();

  await expect(page.getByRole("status")).toContainText("Your plan has been changed.");
  await expect(page.getByRole("article", { name: "Pro" })).toContainText("$290.00 / year");
  const after = await stripeSubscription(seed.customers.ada.subscriptions.pro_monthly);
  expect(after.items.data[0].price.id).toBe(seed.prices.pro_yearly);
});

test("an upgrade waits for 3-D Secure and changes the plan once the bank confirms", async ({ page, javaScriptEnabled }) => {
  const seed = freshSeed("plan3ds");
  const ada = seed.customers.ada;
  await makeDefaultCard(ada.id, await addCard(ada.id, "4000002500003155"));
  await page.goto(signInPath("email", ada.email));
  await hydrated(page, javaScriptEnabled);
  await page.getByRole("article", { name: "Pro" }).getByRole("link", { name: "Change plan" }).click();
  await page.getByRole("link", { name: "Yearly" }).click();
  await page.locator(".plan", { hasText: "$290.00 / year" }).getByRole("link", { name: /Select/ }).click();
  await hydrated(page, javaScriptEnabled);
  await page.getByRole("button", { name: "Confirm plan change" }).click();

  // Nothing changes until the bank confirms. With JavaScript the answer says so; without, the
  // page the form comes back to shows the held change.
  if (javaScriptEnabled) {
    await expect(page.getByRole("alert")).toContainText("Your bank asks you to confirm this payment.");
  } else {
    await expect(page.locator(".awaiting-payment")).toContainText("waits for your bank to confirm its payment");
  }
  await page.goto("/");
  const pro = page.getByRole("article", { name: "Pro" });
  await expect(pro).toContainText("$29.00 / month");
  await expect(pro).toContainText("waits for your bank to confirm its payment");
  await expect(pro.getByRole("link", { name: "Change plan" })).toHaveCount(0);
  await pro.getByRole("link", { name: "Confirm the payment" }).click();
  // Stripe's hosted invoice page runs the 3-D Secure challenge.
  await page.getByRole("button", { name: "Complete authentication" }).click();
  await expect(page.getByText("Status: paid")).toBeVisible();

  await page.goto("/");
  await reloadUntil(page, () =>
    expect(page.getByRole("article", { name: "Pro" })).toContainText("$290.00 / year", { timeout: 1_000 }),
  );
  await expect(page.getByRole("article", { name: "Pro" })).not.toContainText("waits for your bank");
  const after = await stripeSubscription(ada.subscriptions.pro_monthly);
  expect(after.items.data[0].price.id).toBe(seed.prices.pro_yearly);
});

test("resubscribe a canceled subscription", async ({ page, javaScriptEnabled }) => {
  const seed = freshSeed("resub");
  await page.goto(signInPath("email", seed.customers.ada.email));
  await hydrated(page, javaScriptEnabled);
  const canceled = page.locator("article[data-status=Canceled]");
  await expect(canceled).toHaveCount(1);
  await canceled.getByRole("button", { name: "Resubscribe" }).click();
  await expect(page.getByRole("status")).toContainText("Welcome back!");
  // A new active Starter subscription now sits beside the ended one.
  await expect(page.locator("article[data-status=Active]", { hasText: "$9.00 / month" })).toHaveCount(1);
});

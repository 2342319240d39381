import { expect, test, type Page } from "@playwright/test";
import { addCard, freshSeed, hydrated, reloadUntil, signInPath, stripeCustomer } from "./support";

// Billing history, saved cards and billing details, with JavaScript on and
// off. Adding a card needs Stripe.js (here the emulator's), so those specs
// run with JavaScript only and check the JS-off page says so.

const defaultCard = async (customer: string) => (await stripeCustomer(customer)).invoice_settings.default_payment_method;

/** Types a card into the emulator's Stripe.js card element and saves it. */
async function saveCard(page: Page, number: string) {
  await page.getByLabel("Name on card").fill("Ada Lovelace");
  await page.getByPlaceholder("number").fill(number);
  await page.getByPlaceholder("exp_month").fill("12");
  await page.getByPlaceholder("exp_year").fill("34");
  await page.getByPlaceholder("cvc").fill("123");
  await page.getByPlaceholder("postal_code").fill("10001");
  await page.getByRole("button", { name: "Save card" }).click();
}

async function openAddCard(page: Page, email: string) {
  await page.goto(signInPath("email", email));
  await hydrated(page, true);
  await page.getByRole("region", { name: "Payment methods" }).getByRole("link", { name: "Add a card" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Add a card" })).toBeVisible();
  await expect(page.getByPlaceholder("number")).toBeVisible();
}

test("a new card becomes the default, then the old one can be removed", async ({ page, javaScriptEnabled }) => {
  const seed = freshSeed("addcard");
  const ada = seed.customers.ada;
  if (!javaScriptEnabled) {
    await page.goto(signInPath("email", ada.email));
    await page.getByRole("link", { name: "Add a card" }).click();
    await expect(page.getByText("Adding a card needs JavaScript")).toBeVisible();
    await expect(page.getByRole("button", { name: "Save card" })).toBeDisabled();
    return;
  }
  await openAddCard(page, ada.email);
  await saveCard(page, "4242424242424242");
  await expect(page.getByRole("status")).toContainText("Visa ending in 4242 is saved and is now your default card.");
  const added = await defaultCard(ada.id);
  expect(added).not.toBe(ada.payment_method);
  const wallet = page.getByRole("region", { name: "Payment methods" });
  await expect(wallet.locator(`[data-card-id="${added}"]`)).toContainText("Default");

  await hydrated(page, true);
  await wallet.locator(`[data-card-id="${ada.payment_method}"]`).getByRole("button", { name: "Remove Visa ending in 4242" }).click();
  await expect(page.getByRole("status")).toContainText("The card has been removed.");
  await expect(wallet.locator("[data-card-id]")).toHaveCount(1);
  expect(await defaultCard(ada.id)).toBe(added);
});

test("a declined card is explained and changes nothing", async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, "adding a card needs JavaScript");
  const seed = freshSeed("declined");
  const ada = seed.customers.ada;
  await openAddCard(page, ada.email);
  await saveCard(page, "4000000000000002");
  await expect(page.getByRole("alert")).toContainText("Your card was declined. Nothing was changed.");
  expect(await defaultCard(ada.id)).toBe(ada.payment_method);

  // The same page can try again with another card.
  await saveCard(page, "4242424242424242");
  await expect(page.getByRole("status")).toContainText("is saved and is now your default card.");
  expect(await defaultCard(ada.id)).not.toBe(ada.payment_method);
});

test("a 3-D Secure card completes its challenge; a failed challenge changes nothing", async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, "adding a card needs JavaScript");
  const seed = freshSeed("threeds");
  const ada = seed.customers.ada;
  await openAddCard(page, ada.email);

  await saveCard(page, "4000002500003155");
  await page.getByRole("button", { name: "Fail authentication" }).click();
  await expect(page.getByRole("alert")).toContainText("Your bank could not confirm the card (3-D Secure).");
  expect(await defaultCard(ada.id)).toBe(ada.payment_method);

  await saveCard(page, "4000002500003155");
  await page.getByRole("button", { name: "Complete authentication" }).click();
  await expect(page.getByRole("status")).toContainText("Visa ending in 3155 is saved and is now your default card.");
  expect(await defaultCard(ada.id)).not.toBe(ada.payment_method);
});

test("another card can be made the default and removed, with or without JavaScript", async ({ page, javaScriptEnabled }) => {
  const seed = freshSeed("cards");
  const ada = seed.customers.ada;
  const second = await addCard(ada.id, "4000056655665556");
  const expired = await addCard(ada.id, "4000000000000077", "1", "2020");
  await page.goto(signInPath("email", ada.email));
  await hydrated(page, javaScriptEnabled);
  const wallet = page.getByRole("region", { name: "Payment methods" });
  await expect(wallet.locator(`[data-card-id="${expired}"]`)).toContainText("Expired");
  await expect(wallet.locator(`[data-card-id="${expired}"]`).getByRole("button", { name: /Make .* default/ })).toHaveCount(0);

  await wallet.getByRole("button", { name: "Make Visa ending in 5556 your default card" }).click();
  await expect(page.getByRole("status")).toContainText("Visa ending in 5556 is now your default card.");
  expect(await defaultCard(ada.id)).toBe(second);
  await expect(wallet.locator(`[data-card-id="${second}"]`)).toContainText("Default");

  await hydrated(page, javaScriptEnabled);
  await wallet.getByRole("button", { name: "Remove Visa ending in 0077" }).click();
  await expect(page.getByRole("status")).toContainText("The card has been removed.");
  await expect(wallet.locator(`[data-card-id="${expired}"]`)).toHaveCount(0);
});

test("invoices list with working links", async ({ page, javaScriptEnabled, request }) => {
  const seed = freshSeed("invoices");
  const ada = seed.customers.ada;
  const open = ada.open_invoice!;
  await page.goto(signInPath("email", ada.email));
  await hydrated(page, javaScriptEnabled);
  await page.getByRole("article", { name: "Pro" }).getByRole("link", { name: "Invoices for this subscription" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Billing history" })).toBeVisible();

  const row = page.locator(`tr[data-invoice-id="${open}"]`);
  await expect(row).toContainText("Open");
  await expect(row).toContainText("$44.00");
  const pdf = await row.getByRole("link", { name: /Download invoice .* as PDF/ }).getAttribute("href");
  const response = await request.get(pdf!);
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toContain("application/pdf");
  expect((await response.body()).subarray(0, 5).toString()).toBe("%PDF-");

  // "Pay" opens Stripe's hosted invoice page, where the customer pays.
  await row.getByRole("link", { name: /Pay invoice/ }).click();
  await page.getByRole("button", { name: "Pay now" }).click();
  await expect(page.getByRole("button", { name: "Pay now" })).toHaveCount(0);
  await page.goto(`/invoices?subscription=${ada.subscriptions.pro_monthly}`);
  await reloadUntil(page, () =>
    expect(page.locator(`tr[data-invoice-id="${open}"]`)).toContainText("Paid", { timeout: 1_000 }),
  );
});

test("billing details are validated and saved", async ({ page, javaScriptEnabled }) => {
  const seed = freshSeed("details");
  const ada = seed.customers.ada;
  await page.goto(signInPath("email", ada.email));
  await hydrated(page, javaScriptEnabled);
  await page.getByRole("link", { name: "Edit billing details" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Billing details" })).toBeVisible();
  await hydrated(page, javaScriptEnabled);
  await page.getByLabel("Name", { exact: true }).fill("Ada King");
  await page.getByLabel("Street and number").fill("12 St James's Square");
  await page.getByLabel("Postal code").fill("SW1Y 4JH");
  await page.getByLabel("City").fill("London");
  await page.getByLabel("Country").fill("XX");
  await page.getByRole("button", { name: "Save details" }).click();
  await expect(page.getByRole("alert")).toContainText("Please enter a valid two-letter country code");
  expect((await stripeCustomer(ada.id)).name).toBe("Ada Lovelace");

  await hydrated(page, javaScriptEnabled);
  await page.getByLabel("Name", { exact: true }).fill("Ada King");
  await page.getByLabel("Street and number").fill("12 St James's Square");
  await page.getByLabel("Postal code").fill("SW1Y 4JH");
  await page.getByLabel("City").fill("London");
  await page.getByLabel("Country").fill("GB");
  await page.getByRole("button", { name: "Save details" }).click();
  await expect(page.getByRole("status")).toContainText("Your billing details have been saved.");
  await expect(page.getByRole("region", { name: "Billing details" })).toContainText("SW1Y 4JH London");
  const customer = await stripeCustomer(ada.id);
  expect(customer.name).toBe("Ada King");
  expect(customer.address.country).toBe("GB");
});

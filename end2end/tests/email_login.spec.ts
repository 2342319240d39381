import { expect, test } from "@playwright/test";
import { freshSeed, linkIn, mailbox, portalSql, waitForMail } from "./support";

// Email sign-in through a real SMTP server (emulator/mail_sink.py). The
// pages are plain forms: JavaScript on and off alike.

test("a customer signs in with the link emailed to them, and only once", async ({ page, browser }) => {
  const ada = freshSeed("maillogin").customers.ada;
  await page.goto("/login");
  await expect(page.getByRole("heading", { name: "Sign in to your billing portal" })).toBeVisible();
  await expect(page.getByText("Enter the email address of your Acme Tools account")).toBeVisible();
  await page.getByLabel("Email address").fill(ada.email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();
  await expect(page.getByRole("status")).toContainText(ada.email);

  const mail = await waitForMail(ada.email);
  expect(mail.from).toContain("Acme Tools");
  expect(mail.subject).toBe("Your sign-in link for Acme Tools");
  const link = linkIn(mail.text);

  // Opening the link alone signs nobody in: a mail scanner may open it.
  await page.goto(link);
  await page.getByRole("button", { name: "Continue to the billing portal" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { name: "Your subscriptions" })).toBeVisible();
  await expect(page.getByText(`Signed in as ${ada.email}`)).toBeVisible();

  // The same link, again, in another browser.
  const other = await browser.newContext();
  const again = await other.newPage();
  await again.goto(link);
  await expect(again.getByRole("alert")).toContainText("expired or was already used");
  await again.getByRole("link", { name: "Request a new sign-in link" }).click();
  await expect(again.getByLabel("Email address")).toBeVisible();
  await other.close();
});

test("an unknown address gets the same answer, and no email", async ({ page }) => {
  const nobody = `nobody+${Date.now()}${Math.floor(Math.random() * 1e6)}@example.com`;
  await page.goto("/login");
  await page.getByLabel("Email address").fill(nobody);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();
  await page.waitForTimeout(1000);
  expect(await mailbox(nobody)).toHaveLength(0);
});

test("an altered link is refused, in the customer's language", async ({ browser }) => {
  const ada = freshSeed("mailaltered").customers.ada;
  const context = await browser.newContext({ locale: "de-DE" });
  const page = await context.newPage();
  await page.goto("/login");
  await expect(page.getByRole("heading", { name: "Im Abrechnungsportal anmelden" })).toBeVisible();
  await page.getByLabel("E-Mail-Adresse").fill(ada.email);
  await page.getByRole("button", { name: "Anmeldelink per E-Mail senden" }).click();
  const mail = await waitForMail(ada.email);
  expect(mail.subject).toBe("Ihr Anmeldelink für Acme Tools");
  const link = new URL(linkIn(mail.text));
  const token = link.searchParams.get("token")!;
  link.searchParams.set("token", token.slice(0, -1) + (token.endsWith("A") ? "B" : "A"));
  const response = await page.goto(link.toString());
  expect(response?.status()).toBe(410);
  await expect(page.getByRole("alert")).toContainText("Dieser Anmeldelink ist abgelaufen");
  await context.close();
});

test("a link older than ten minutes is refused and offers a new one", async ({ page }, testInfo) => {
  const ada = freshSeed("mailexpired").customers.ada;
  await page.goto("/login");
  await page.getByLabel("Email address").fill(ada.email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  const link = linkIn((await waitForMail(ada.email)).text);
  await page.goto(link);
  const button = page.getByRole("button", { name: "Continue to the billing portal" });
  await expect(button).toBeVisible();

  // Ten minutes and a second pass while the page stays open, as far as
  // Portico can tell: the button's POST is refused and signs nobody in.
  portalSql(testInfo.project.name, `UPDATE login_links SET expires_at = expires_at - 601 WHERE customer_id = '${ada.id}'`);
  await button.click();
  await expect(page.getByRole("alert")).toContainText("expired or was already used");
  await expect(page.getByText(`Signed in as ${ada.email}`)).toHaveCount(0);

  // Opening the link again says the same at once.
  const again = await page.goto(link);
  expect(again?.status()).toBe(410);
  await page.getByRole("link", { name: "Request a new sign-in link" }).click();
  await expect(page.getByLabel("Email address")).toBeVisible();
});

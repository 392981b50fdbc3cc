import type { Page } from 'playwright-core';

/**
 * What a person does on Handover's pages, by the labels and button names they see (so a test
 * fails when a label or button disappears, as it would for a user or a screen reader).
 */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The scope checkboxes of the consent page: each one's value and whether it is checked. */
export async function consentScopes(page: Page): Promise<{ value: string; checked: boolean }[]> {
  await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
  return page.locator('input[type="checkbox"][name="scope"]').evaluateAll((inputs) =>
    inputs.map((input) => ({ value: (input as HTMLInputElement).value, checked: (input as HTMLInputElement).checked })));
}

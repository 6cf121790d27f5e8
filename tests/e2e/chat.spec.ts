import { expect, test } from '@playwright/test';

test('a guest sends a message and watches the demo answer stream in', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Message').fill('Hello from the browser');
  await page.getByLabel('Message').press('Enter');

  const answer = page.locator('li[data-role="assistant"]');
  await expect(answer).toContainText('You asked: "Hello from the browser"');
  const early = (await answer.textContent())?.length ?? 0;
  await expect
    .poll(async () => (await answer.textContent())?.length ?? 0, { timeout: 10_000 })
    .toBeGreaterThan(early + 20);

  const usage = answer.getByTestId('message-usage');
  await expect(usage).toContainText(/demo\/chat · \d+ in \/ \d+ out · \$0\.000000/, {
    timeout: 15_000,
  });
});

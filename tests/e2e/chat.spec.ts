import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { e2eAdminToken } from '../../playwright.config';
import { ChatPage, textLength } from './chat-page';

const screenshots = 'tests/e2e/screenshots';

test('a guest sends a message, watches it stream in, and sees tokens and cost under it', async ({
  page,
}) => {
  const chat = new ChatPage(page);
  await chat.open();
  await expect(page.getByTestId('current-user')).toContainText('Guest · guest plan');
  await page.evaluate(() => {
    const counter = window as unknown as { layoutShift: number };
    counter.layoutShift = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries())
        counter.layoutShift += (entry as unknown as { value: number }).value;
    }).observe({ type: 'layout-shift' });
  });
  await chat.send('Hello from the browser');

  const answer = chat.lastAnswer();
  await expect(answer).toContainText('You asked: "Hello from the browser"');
  const early = await textLength(answer);
  await expect.poll(() => textLength(answer), { timeout: 10_000 }).toBeGreaterThan(early + 20);

  const usage = answer.getByTestId('message-usage');
  await expect(usage).toContainText(
    /demo\/chat\s*\d+ in \/ \d+ out\s*\$0\.0\d+\s*first token \d+ ms/,
    {
      timeout: 15_000,
    },
  );
  // Streaming grows the answer downwards; nothing already on screen jumps.
  expect(
    await page.evaluate(() => (window as unknown as { layoutShift: number }).layoutShift),
  ).toBeLessThan(0.05);
  // The numbers under the answer are the ones the gateway recorded for this user.
  const usageReport = await (await page.request.get('/api/usage?period=day')).json();
  const [recorded] = usageReport.recent;
  await expect(usage).toContainText(`${recorded.inputTokens} in / ${recorded.outputTokens} out`);
  await expect(page.getByTestId('budget-meter')).toContainText(
    `Tokens today: ${recorded.inputTokens + recorded.outputTokens} of 50,000`,
  );
});

test('the model picker lists the catalog with provider, price and availability', async ({
  page,
}) => {
  const chat = new ChatPage(page);
  await chat.open();
  const picker = page.getByLabel('Model');
  await expect(picker).toHaveValue('demo/chat');
  await expect(picker.locator('option')).toHaveText([
    'Always failing (no upstream) · down',
    'Demo chat · demo',
    'Demo instant · demo',
  ]);
  await expect(page.getByTestId('model-details')).toHaveText('demo · $3/M in, $15/M out');
  await chat.chooseModel('demo/instant');
  await expect(page.getByTestId('model-details')).toHaveText('demo · $1/M in, $5/M out');
  const answer = await chat.ask('Which model?');
  await expect(answer.getByTestId('message-usage')).toContainText('demo/instant');
});

test('stop halts a long answer, keeps the partial text, and the partial usage is recorded', async ({
  page,
}) => {
  // A new guest's dashboard starts empty, pointing at the chat.
  await page.goto('/dashboard');
  await expect(page.getByTestId('no-requests')).toBeVisible();
  const chat = new ChatPage(page);
  await chat.open();
  await chat.send('Tell me everything');
  const answer = chat.lastAnswer();
  await expect.poll(() => textLength(answer), { timeout: 10_000 }).toBeGreaterThan(60);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(answer).toContainText('Stopped · partial answer');
  const stoppedAt = await textLength(answer);
  await expect(page.getByRole('button', { name: 'Send' })).toBeVisible();

  await expect
    .poll(
      async () =>
        (await (await page.request.get('/api/usage?period=day')).json()).recent[0]?.status,
    )
    .toBe('aborted');
  // The server has recorded the abort, so its stream is closed: no more text can arrive.
  expect(await textLength(answer)).toBe(stoppedAt);
  const [aborted] = (await (await page.request.get('/api/usage?period=day')).json()).recent;
  expect(aborted.outputTokens).toBeGreaterThan(0);

  await page.getByRole('link', { name: 'Dashboard' }).click();
  const row = page.locator(`[data-testid="request-row"][data-request-id="${aborted.id}"]`);
  // The dashboard refreshes every 5 s; settlement may land just after the first load.
  await expect(row).toHaveAttribute('data-status', 'aborted', { timeout: 10_000 });
  await expect(row).toContainText('Stopped');
  await expect(row.locator('[data-column="output-tokens"]')).toHaveText(
    aborted.outputTokens.toLocaleString('en-US'),
  );
});

test('Enter sends, Shift+Enter adds a line; regenerate asks again and copy copies', async ({
  page,
  context,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const chat = new ChatPage(page);
  await chat.open();
  await chat.chooseModel('demo/instant');
  await chat.message.fill('first line');
  await chat.message.press('Shift+Enter');
  await chat.message.pressSequentially('second line');
  await expect(chat.message).toHaveValue('first line\nsecond line');
  await chat.message.press('Enter');
  const answer = chat.lastAnswer();
  await expect(answer.getByTestId('message-usage')).toBeVisible();
  await expect(page.locator('li[data-role="user"]')).toHaveText(/first line\s*second line/);

  await answer.getByRole('button', { name: 'Copy' }).click();
  await expect(answer.getByRole('button', { name: 'Copied' })).toBeVisible();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toContain('You asked: "first line second line"');

  const before = (await (await page.request.get('/api/usage?period=day')).json()).totals.requests;
  await answer.getByRole('button', { name: 'Regenerate' }).click();
  await expect(chat.answers).toHaveCount(1);
  await expect(chat.lastAnswer().getByTestId('message-usage')).toBeVisible();
  await expect
    .poll(
      async () => (await (await page.request.get('/api/usage?period=day')).json()).totals.requests,
    )
    .toBe(before + 1);
});

test('conversations survive a reload (kept on the server), and a new one can be started and switched to', async ({
  page,
}) => {
  const chat = new ChatPage(page);
  await chat.open();
  await chat.chooseModel('demo/instant');
  await chat.ask('Remember the first conversation');
  await page.getByRole('button', { name: 'New chat' }).click();
  await expect(chat.answers).toHaveCount(0);
  await chat.ask('This is the second one');

  await page.reload();
  // The latest opens; the other is a click away.
  await expect(chat.conversation('This is the second one')).toHaveAttribute('aria-current', 'true');
  await chat.conversation('Remember the first conversation').click();
  await expect(chat.lastAnswer()).toContainText('You asked: "Remember the first conversation"');
  await expect(chat.lastAnswer().getByTestId('message-usage')).toBeVisible();
  // Nothing of them is in the browser's storage.
  const stored = await page.evaluate(() => Object.keys(localStorage));
  expect(stored.filter((name) => name.includes('conversation'))).toEqual([]);
});

test('a model answer with raw HTML and a javascript: link renders as inert text', async ({
  page,
}) => {
  const dialogs: string[] = [];
  page.on('dialog', async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  const chat = new ChatPage(page);
  await chat.open();
  await chat.chooseModel('demo/instant');
  const answer = await chat.ask('<img src=x onerror=alert(1)> [click](javascript:alert(1))');

  await expect(answer).toContainText('<img src=x onerror=alert(1)>');
  await expect(page.locator('main img')).toHaveCount(0);
  const link = answer.getByRole('link', { name: 'click' });
  if ((await link.count()) > 0) {
    expect(await link.getAttribute('href')).not.toMatch(/javascript:/i);
    await link.click();
  }
  expect(await answer.locator('[href^="javascript:" i], [onerror]').count()).toBe(0);
  await page.waitForTimeout(300);
  expect(dialogs).toEqual([]);
});

test('an upstream failure says so and offers a retry that works', async ({ page }) => {
  const chat = new ChatPage(page);
  await chat.open();
  await chat.chooseModel('broken/model');
  await chat.send('Will this work?');
  await expect(chat.notice).toHaveAttribute('data-kind', 'failed');
  await expect(chat.notice).toContainText('provider failed');
  await expect(chat.notice).not.toContainText('{');
  // The question is handed back, ready to send again.
  await expect(chat.message).toHaveValue('Will this work?');

  await chat.chooseModel('demo/instant');
  await chat.notice.getByRole('button', { name: 'Retry' }).click();
  await expect(chat.lastAnswer().getByTestId('message-usage')).toBeVisible();
  await expect(chat.notice).toHaveCount(0);
  await expect(page.locator('li[data-role="user"]')).toHaveCount(1);
});

test('a guest over the per-minute limit sees a countdown, and can chat again after it', async ({
  page,
}) => {
  test.setTimeout(120_000);
  // The rate window is the epoch-aligned minute, so the countdown runs to its end: start early in
  // a minute so there is a countdown to watch (near the boundary it would be a second or two).
  const secondOfMinute = new Date().getUTCSeconds();
  if (secondOfMinute > 40) await page.waitForTimeout((61 - secondOfMinute) * 1000);
  const chat = new ChatPage(page);
  await chat.open();
  await chat.chooseModel('demo/instant');
  for (const question of ['one', 'two', 'three']) await chat.ask(question);
  await chat.send('four');

  await expect(chat.notice).toHaveAttribute('data-kind', 'rate-limited');
  const countdown = page.getByTestId('retry-countdown');
  const first = Number(await countdown.textContent());
  expect(first).toBeGreaterThan(0);
  expect(first).toBeLessThanOrEqual(60);
  await expect.poll(async () => Number(await countdown.textContent())).toBeLessThan(first);
  await expect(page.getByRole('button', { name: 'Send', exact: true })).toBeDisabled();

  await expect(chat.notice).toContainText('You can send again now.', { timeout: 75_000 });
  await chat.notice.getByRole('button', { name: 'Send again' }).click();
  await expect(chat.lastAnswer()).toContainText('You asked: "four"');
  await expect(chat.lastAnswer().getByTestId('message-usage')).toBeVisible();
});

test('signing in with a key switches the user; a spent budget says so and links the dashboard', async ({
  page,
}) => {
  const created = await page.request.post('/api/keys', {
    headers: { authorization: `Bearer ${e2eAdminToken}` },
    data: { userId: `tiny-${Date.now()}`, plan: 'tiny', name: 'e2e tiny budget' },
  });
  expect(created.status()).toBe(201);
  const { key, userId } = await created.json();

  const chat = new ChatPage(page);
  await chat.open();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('API key').fill(key);
  await page
    .getByRole('form', { name: 'Sign in' })
    .getByRole('button', { name: 'Sign in' })
    .click();
  await expect(page.getByTestId('current-user')).toHaveText(`${userId} · tiny plan`);
  await expect(page.getByTestId('budget-meter')).toContainText('Tokens today: 0 of 250');

  await chat.chooseModel('demo/instant');
  for (let attempt = 0; attempt < 5; attempt++) {
    await chat.send(`question ${attempt}`);
    await expect(
      chat.notice.or(chat.answers.nth(attempt).getByTestId('message-usage')),
    ).toBeVisible();
    if (await chat.notice.isVisible()) break;
  }
  await expect(chat.notice).toHaveAttribute('data-kind', 'budget');
  await expect(chat.notice).toContainText('budget for this period is used up');
  await chat.notice.getByRole('link', { name: /dashboard/ }).click();
  await expect(page).toHaveURL(/\/dashboard$/);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByTestId('current-user')).toContainText('Guest · guest plan');
});

test('the chat page in light and dark, at desktop and phone width, has no serious a11y issue', async ({
  page,
}) => {
  const blocked: string[] = [];
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) blocked.push(message.text());
  });
  const chat = new ChatPage(page);
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await chat.open();
    if ((await chat.answers.count()) === 0) {
      await chat.chooseModel('demo/instant');
      await chat.ask('Show me a table and some code');
    }
    await page.screenshot({ path: `${screenshots}/chat-${colorScheme}.png`, fullPage: true });
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((violation) =>
      ['serious', 'critical'].includes(violation.impact ?? ''),
    );
    expect(serious.map((violation) => `${violation.id}: ${violation.help}`)).toEqual([]);
  }
  await page.setViewportSize({ width: 375, height: 760 });
  await page.reload();
  await expect(chat.lastAnswer().getByTestId('message-usage')).toBeVisible();
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBe(0);
  await page.screenshot({ path: `${screenshots}/chat-375.png`, fullPage: true });
  expect(blocked).toEqual([]);
});

async function createUserKey(page: Page, prefix: string) {
  const created = await page.request.post('/api/keys', {
    headers: { authorization: `Bearer ${e2eAdminToken}` },
    data: { userId: `${prefix}-${Date.now()}`, name: `e2e ${prefix}` },
  });
  expect(created.status()).toBe(201);
  return (await created.json()) as { key: string; userId: string };
}

test('a conversation is kept on the server: send two, rename, delete; another browser signed in as the same user sees it', async ({
  page,
  browser,
}) => {
  const { key, userId } = await createUserKey(page, 'conversations');
  const chat = new ChatPage(page);
  await chat.open();
  await chat.signIn(key, userId);
  await chat.chooseModel('demo/instant');
  await chat.ask('Plan a trip to Lisbon');
  await chat.ask('And what to eat there?');
  await expect(chat.conversation('Plan a trip to Lisbon')).toHaveAttribute('aria-current', 'true');

  // Kept by the server: both turns of both messages.
  const listed = await (await page.request.get('/api/conversations')).json();
  expect(listed.conversations).toHaveLength(1);
  expect(listed.conversations[0]).toMatchObject({
    title: 'Plan a trip to Lisbon',
    messageCount: 4,
  });

  await chat.rename('Plan a trip to Lisbon', 'Lisbon in May');
  const results = await new AxeBuilder({ page }).include('nav').analyze();
  expect(
    results.violations
      .filter((violation) => ['serious', 'critical'].includes(violation.impact ?? ''))
      .map((violation) => `${violation.id}: ${violation.help}`),
  ).toEqual([]);

  // Another browser, signed in as the same user, finds it with its answers and their usage.
  const other = await browser.newContext();
  try {
    const signedIn = await other.request.post('/api/session', { data: { apiKey: key } });
    expect(signedIn.status()).toBe(200);
    const elsewhere = new ChatPage(await other.newPage());
    await elsewhere.open();
    await expect(elsewhere.conversation('Lisbon in May')).toHaveAttribute('aria-current', 'true');
    await expect(elsewhere.page.locator('li[data-role="user"] p')).toHaveText([
      'Plan a trip to Lisbon',
      'And what to eat there?',
    ]);
    await expect(elsewhere.answers).toHaveCount(2);
    await expect(elsewhere.lastAnswer()).toContainText('You asked: "And what to eat there?"');
    await expect(elsewhere.lastAnswer().getByTestId('message-usage')).toContainText('demo/instant');

    await chat.delete('Lisbon in May');
    await expect(chat.answers).toHaveCount(0);
    expect((await (await page.request.get('/api/conversations')).json()).conversations).toEqual([]);
    await elsewhere.page.reload();
    await expect(elsewhere.page.getByLabel('Model')).toBeEnabled();
    await expect(elsewhere.conversation('Lisbon in May')).toHaveCount(0);
  } finally {
    await other.close();
  }
});

test("a guest's conversation moves to the user when the guest signs in", async ({ page }) => {
  const chat = new ChatPage(page);
  await chat.open();
  await chat.chooseModel('demo/instant');
  await chat.ask('Asked as a guest');
  const { key, userId } = await createUserKey(page, 'guest-moves');
  await chat.signIn(key, userId);

  await expect(chat.conversation('Asked as a guest')).toHaveAttribute('aria-current', 'true');
  await expect(chat.lastAnswer()).toContainText('You asked: "Asked as a guest"');
  const listed = await (await page.request.get('/api/conversations')).json();
  expect(listed.conversations.map((entry: { title: string }) => entry.title)).toEqual([
    'Asked as a guest',
  ]);
});

import { readFile } from 'node:fs/promises';
import AxeBuilder from '@axe-core/playwright';
import { type APIRequestContext, expect, type Locator, type Page, test } from '@playwright/test';
import {
  type AlertRecord,
  type ApiKeyRecord,
  type CreatedApiKey,
  type TeamRecord,
  type UsageReport as TeamUsageReport,
  toEpochMs,
  type UsageOverview,
} from '../../components/dashboard/api';
import { formatTokens, formatUsd } from '../../components/ui/format';
import { labelOfLimit } from '../../components/ui/limits';
import type { UsageReport } from '../../lib/usage/queries';
import { e2eAdminToken, e2eWebhookPath, e2eWebhookPort } from '../../playwright.config';
import { startWebhookReceiver } from '../support/webhook-receiver';

const admin = { authorization: `Bearer ${e2eAdminToken}` };
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const screenshots = 'tests/e2e/screenshots';

/** A user id no other test (or earlier run against the same Redis) uses. */
function uniqueUser(name: string): string {
  return `e2e-${name}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

async function createKey(
  request: APIRequestContext,
  userId: string,
  fields: { plan?: string } = {},
): Promise<string> {
  const response = await request.post('/api/keys', { headers: admin, data: { userId, ...fields } });
  expect(response.status()).toBe(201);
  return ((await response.json()) as { key: string }).key;
}

async function chat(
  request: APIRequestContext,
  key: string,
  content: string,
  model = 'demo/instant',
  headers: Record<string, string> = {},
) {
  return request.post('/api/chat', {
    headers: { ...bearer(key), ...headers },
    data: { stream: false, model, messages: [{ role: 'user', content }] },
  });
}

async function readUsage(
  request: APIRequestContext,
  headers: Record<string, string>,
  query: string,
): Promise<UsageReport> {
  const response = await request.get(`/api/usage?${query}`, { headers });
  expect(response.status()).toBe(200);
  return (await response.json()) as UsageReport;
}

/** Settlement runs after the response, so usage is read once it has counted every request. */
async function settledUsage(
  request: APIRequestContext,
  headers: Record<string, string>,
  requests: number,
  query = 'period=month',
): Promise<UsageReport> {
  let report: UsageReport | undefined;
  await expect
    .poll(
      async () => {
        report = await readUsage(request, headers, query);
        return report.totals.requests === requests && report.recent.length === requests;
      },
      { timeout: 10_000 },
    )
    .toBe(true);
  return report as UsageReport;
}

/** A user with a key and `count` answered requests. */
async function userWithRequests(request: APIRequestContext, name: string, count: number) {
  const userId = uniqueUser(name);
  const key = await createKey(request, userId);
  for (let index = 0; index < count; index++) {
    expect((await chat(request, key, `Question ${index + 1} from ${name}`)).status()).toBe(200);
  }
  const usage = await settledUsage(request, bearer(key), count);
  return { userId, key, usage };
}

async function signIn(page: Page, secret: string) {
  const response = await page.request.post('/api/session', { data: { apiKey: secret } });
  expect(response.status()).toBe(200);
  await page.reload();
}

async function expectTotals(page: Page, totals: UsageReport['totals']) {
  await expect(page.getByTestId('total-requests')).toHaveText(formatTokens(totals.requests));
  await expect(page.getByTestId('total-input-tokens')).toHaveText(formatTokens(totals.inputTokens));
  await expect(page.getByTestId('total-output-tokens')).toHaveText(
    formatTokens(totals.outputTokens),
  );
  await expect(page.getByTestId('total-cost')).toHaveText(formatUsd(totals.costUsd));
}

async function expectNoSeriousViolations(page: Page, label: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) => `${violation.id}: ${violation.nodes.map((node) => node.target).join(' | ')}`,
    );
  expect(serious, `axe, ${label}`).toEqual([]);
}

/** How far the page itself (not a table's own scroller) is wider than the viewport. */
const sidewaysOverflow = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

const usersRegion = (page: Page) => page.getByRole('region', { name: 'Users', exact: true });
const keysRegion = (page: Page) => page.getByRole('region', { name: 'API keys', exact: true });
const userRow = (page: Page, userId: string): Locator =>
  usersRegion(page).locator(`[data-testid="user-row"][data-user-id="${userId}"]`);

test('signing in with a key switches the dashboard to that user, with the numbers of /api/usage', async ({
  page,
}) => {
  const { userId, key, usage } = await userWithRequests(page.request, 'signin', 3);

  await page.goto('/dashboard');
  await expect(page.getByTestId('viewer')).toContainText('guest');
  const empty = page.getByTestId('no-requests');
  await expect(empty).toContainText('No requests yet');
  await expect(empty.getByRole('link', { name: 'send one from the chat page' })).toHaveAttribute(
    'href',
    '/',
  );

  await signIn(page, key);
  await expect(page.getByTestId('viewer')).toContainText(`Signed in as ${userId}`);
  await expectTotals(page, usage.totals);
  expect(usage.totals.costUsd).toBeGreaterThan(0);

  const rows = page.getByTestId('request-row');
  await expect(rows).toHaveCount(3);
  const ids = await rows.evaluateAll((all) =>
    all.map((row) => row.getAttribute('data-request-id')),
  );
  expect(ids).toEqual(usage.recent.map((request) => request.id));
  for (const [index, request] of usage.recent.entries()) {
    const row = rows.nth(index);
    await expect(row).toHaveAttribute('data-status', request.status);
    await expect(row.locator('[data-column="output-tokens"]')).toHaveText(
      formatTokens(request.outputTokens),
    );
    await expect(row.locator('[data-column="cost"]')).toHaveText(formatUsd(request.costUsd));
  }
  const modelRow = page.locator('[data-testid="model-row"][data-name="demo/instant"]');
  await expect(modelRow).toContainText(formatUsd(usage.totals.costUsd));
  // The minute window slides: past a minute boundary the 3 requests weigh less and less, so the
  // meter is compared with what /api/limits says, until the two agree (the page polls).
  const minute = page.getByRole('meter', { name: 'Requests this minute' });
  const usedThisMinute = async () => {
    const reply = await page.request.get('/api/limits', {
      headers: { authorization: `Bearer ${key}` },
    });
    const { limits } = (await reply.json()) as { limits: { requestsPerMinute: { used: number } } };
    return limits.requestsPerMinute.used;
  };
  await expect
    .poll(async () => {
      const shown = await minute.getAttribute('value');
      const used = await usedThisMinute();
      return shown === String(used) && used > 0 && used <= 3;
    })
    .toBe(true);
  await expect(minute).toHaveAttribute('aria-valuetext', /^[1-3] of 20 requests used; resets in/);
});

test('an admin sees every user, opens each one, and creates and revokes a key', async ({
  page,
}) => {
  const alice = await userWithRequests(page.request, 'alice', 2);
  const bob = await userWithRequests(page.request, 'bob', 1);
  await page.goto('/dashboard');
  await signIn(page, e2eAdminToken);
  await expect(page.getByTestId('viewer')).toContainText('administrator');

  for (const user of [alice, bob]) {
    const { totals } = user.usage;
    await expect(userRow(page, user.userId).locator('td')).toHaveText([
      'free',
      formatTokens(totals.requests),
      formatTokens(totals.inputTokens),
      formatTokens(totals.outputTokens),
      formatUsd(totals.costUsd),
      /\d/,
    ]);
  }
  // Sorting by spend, then reversing it, moves the two users' rows accordingly.
  const spendHeader = usersRegion(page).getByRole('columnheader', { name: 'Spend' });
  await expect(spendHeader).toHaveAttribute('aria-sort', 'descending');
  await spendHeader.getByRole('button').click();
  await expect(spendHeader).toHaveAttribute('aria-sort', 'ascending');
  const order = async () =>
    usersRegion(page)
      .getByTestId('user-row')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-user-id')));
  const ascending = await order();
  expect(ascending.indexOf(bob.userId)).toBeLessThan(ascending.indexOf(alice.userId));

  for (const user of [alice, bob]) {
    await userRow(page, user.userId).getByRole('link', { name: user.userId }).click();
    await expect(page).toHaveURL(new RegExp(`userId=${user.userId}`));
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Usage of ${user.userId}`);
    const shown = await readUsage(page.request, admin, `period=month&userId=${user.userId}`);
    await expectTotals(page, shown.totals);
    await expect(page.getByTestId('request-row')).toHaveCount(shown.recent.length);
    await page.getByRole('link', { name: '← Overview' }).click();
    await expect(usersRegion(page)).toBeVisible();
  }

  const keys = keysRegion(page);
  const owner = uniqueUser('created');
  await keys.getByLabel('User id').fill(owner);
  await keys.getByRole('button', { name: 'Create key' }).click();
  const secret = await keys.getByTestId('new-key-secret').inputValue();
  expect(secret).toMatch(/^tg_/);
  expect((await page.request.get('/api/limits', { headers: bearer(secret) })).status()).toBe(200);
  await keys.getByRole('button', { name: 'Done' }).click();
  await expect(keys.getByTestId('new-key-secret')).toHaveCount(0);

  const keyRow = keys.getByTestId('key-row').filter({ hasText: owner });
  await keyRow.getByRole('button', { name: /^Revoke/ }).click();
  await keyRow.getByRole('button', { name: /^Confirm: revoke/ }).click();
  await expect(keyRow).toHaveCount(0);
  expect((await page.request.get('/api/limits', { headers: bearer(secret) })).status()).toBe(401);
});

test('a non-admin sees no admin view and the admin endpoints answer 403', async ({ page }) => {
  const carol = await userWithRequests(page.request, 'carol', 1);
  await page.goto('/dashboard');
  await signIn(page, carol.key);
  await expectTotals(page, carol.usage.totals);
  await expect(usersRegion(page)).toHaveCount(0);
  await expect(keysRegion(page)).toHaveCount(0);

  // The browser's session cookie, as the page itself would send it.
  for (const path of ['/api/usage/users', '/api/keys', '/api/usage?userId=admin']) {
    const response = await page.request.get(path);
    expect(response.status(), path).toBe(403);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('forbidden');
  }
  await page.goto('/dashboard?userId=admin');
  await expect(page.getByText('Only administrators can see this.')).toBeVisible();
});

const utcDay = new Intl.DateTimeFormat('en-US', {
  month: 'short',
  day: 'numeric',
  year: 'numeric',
  timeZone: 'UTC',
});

test('the period switch reloads the numbers for the period, and the CSV export matches them', async ({
  page,
}) => {
  const { key } = await userWithRequests(page.request, 'period', 2);
  await page.goto('/dashboard');
  await signIn(page, key);
  const range = page.getByTestId('period-range');
  const now = new Date();
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const monthLast = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0);
  await expect(range).toHaveText(
    `${utcDay.format(monthStart)} – ${utcDay.format(monthLast)} (UTC)`,
  );

  const dayRequest = page.waitForRequest((request) =>
    request.url().includes('/api/usage?period=day'),
  );
  await page.getByRole('button', { name: 'Today' }).click();
  await dayRequest;
  await expect(page).toHaveURL(/period=day/);
  await expect(page.getByRole('button', { name: 'Today' })).toHaveAttribute('aria-pressed', 'true');
  await expect(range).toHaveText(`${utcDay.format(now)} (UTC)`);
  const usage = await settledUsage(page.request, bearer(key), 2, 'period=day');
  await expectTotals(page, usage.totals);

  const exportLink = page.getByTestId('export-csv');
  await expect(exportLink).toHaveAttribute('href', '/api/usage/export?period=day');
  const downloading = page.waitForEvent('download');
  await exportLink.click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^tollgate-usage-.*-day\.csv$/);
  const csv = await readFile(await download.path(), 'utf8');
  const [header, ...rows] = csv.trimEnd().split('\r\n');
  expect(header).toBe(
    'time,model,provider,status,input_tokens,output_tokens,cost_usd,latency_ms,time_to_first_token_ms',
  );
  expect(rows).toHaveLength(usage.recent.length);
  rows.forEach((row, index) => {
    const request = usage.recent[index];
    if (!request) throw new Error(`no request for CSV row ${index}`);
    const [time, model, provider, status, input, output, cost] = row.split(',');
    expect({ time, model, provider, status, input, output, cost }).toEqual({
      time: new Date(request.at).toISOString(),
      model: request.model,
      provider: request.provider,
      status: request.status,
      input: String(request.inputTokens),
      output: String(request.outputTokens),
      cost: (request.costMicroUsd / 1_000_000).toFixed(6),
    });
  });

  await page.getByRole('button', { name: '7 days' }).click();
  const weekStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 6);
  await expect(range).toHaveText(`${utcDay.format(weekStart)} – ${utcDay.format(now)} (UTC)`);
  await expect(exportLink).toHaveAttribute('href', '/api/usage/export?period=week');
});

test('when the usage store is down the dashboard says so in words and recovers on retry', async ({
  page,
}) => {
  const { key, usage } = await userWithRequests(page.request, 'outage', 1);
  await page.goto('/dashboard');
  await signIn(page, key);
  await expectTotals(page, usage.totals);

  // What /api/usage answers while Redis is unreachable (the real failure is an integration test).
  const storeDown = {
    error: {
      message: 'The store is unreachable.',
      type: 'api_error',
      code: 'store_unavailable',
      param: null,
    },
  };
  await page.route('**/api/usage?*', (route) => route.fulfill({ status: 503, json: storeDown }));
  await page.getByRole('button', { name: 'Today' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'Retry' });
  await expect(alert).toContainText('The usage store (Redis) is unreachable');
  await expect(alert).not.toContainText('{');
  await expect(page.getByTestId('total-requests')).toHaveCount(0);

  await page.unroute('**/api/usage?*');
  await alert.getByRole('button', { name: 'Retry now' }).click();
  // Sooner than the next 5 s poll: the button itself retried.
  await expect(page.getByTestId('total-requests')).toHaveText('1', { timeout: 2_000 });
  await expectTotals(page, usage.totals);
  await expect(alert).toHaveCount(0);
});

test('screenshots: light, dark and 375 px wide, with data', async ({ page }) => {
  const { key, usage } = await userWithRequests(page.request, 'shots', 3);
  await page.goto('/dashboard');
  await signIn(page, key);
  await expectTotals(page, usage.totals);
  await expect(page.locator('.recharts-bar-rectangle').first()).toBeVisible();

  await page.screenshot({ path: `${screenshots}/dashboard-light.png`, fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: `${screenshots}/dashboard-dark.png`, fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 375, height: 812 });
  await expect(page.getByTestId('total-cost')).toBeVisible();
  // The chart resizes on a ResizeObserver callback, after the viewport change: wait for it.
  await expect
    .poll(() => sidewaysOverflow(page), { message: 'a user page never scrolls sideways at 375 px' })
    .toBe(0);
  await page.screenshot({ path: `${screenshots}/dashboard-375.png`, fullPage: true });

  await signIn(page, e2eAdminToken);
  await expect(keysRegion(page).getByTestId('key-row').first()).toBeVisible();
  await expect
    .poll(() => sidewaysOverflow(page), {
      message: 'the admin page never scrolls sideways at 375 px',
    })
    .toBe(0);
  await page.screenshot({ path: `${screenshots}/dashboard-admin-375.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: `${screenshots}/dashboard-admin-dark.png`, fullPage: true });
});

test('axe finds no serious or critical violation, as a user and as an admin, light and dark', async ({
  page,
}) => {
  const { key, usage } = await userWithRequests(page.request, 'axe', 2);
  await page.goto('/dashboard');
  await signIn(page, key);
  await expectTotals(page, usage.totals);
  await expect(page.getByRole('meter').first()).toBeVisible();
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await expectNoSeriousViolations(page, `user, ${colorScheme}`);
  }

  await signIn(page, e2eAdminToken);
  await expect(usersRegion(page).getByTestId('user-row').first()).toBeVisible();
  await expect(keysRegion(page).getByTestId('key-row').first()).toBeVisible();
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await expectNoSeriousViolations(page, `admin, ${colorScheme}`);
  }
});

// The admin overview: the whole deployment's ledger ('*'), as GET /api/usage/overview reports it.

async function readOverview(request: APIRequestContext, period = 'month'): Promise<UsageOverview> {
  const response = await request.get(`/api/usage/overview?period=${period}`, { headers: admin });
  expect(response.status()).toBe(200);
  return (await response.json()) as UsageOverview;
}

/** Settlement runs after the response: the overview once it lists `userId` with `requests`. */
async function overviewWithUser(
  request: APIRequestContext,
  userId: string,
  requests: number,
): Promise<UsageOverview> {
  let overview: UsageOverview | undefined;
  await expect
    .poll(
      async () => {
        overview = await readOverview(request);
        return overview.topUsers.find((user) => user.userId === userId)?.requests;
      },
      { timeout: 10_000 },
    )
    .toBe(requests);
  return overview as UsageOverview;
}

const overviewRegion = (page: Page, name: string) =>
  page.getByRole('region', { name, exact: true });
const topRow = (page: Page, region: string, testId: string, name: string): Locator =>
  overviewRegion(page, region).locator(`[data-testid="${testId}"][data-name="${name}"]`);

async function expectOverviewTotals(page: Page, totals: UsageOverview['totals']) {
  await expect(page.getByTestId('overview-total-requests')).toHaveText(
    formatTokens(totals.requests),
  );
  await expect(page.getByTestId('overview-total-input-tokens')).toHaveText(
    formatTokens(totals.inputTokens),
  );
  await expect(page.getByTestId('overview-total-output-tokens')).toHaveText(
    formatTokens(totals.outputTokens),
  );
  await expect(page.getByTestId('overview-total-cost')).toHaveText(formatUsd(totals.costUsd));
  await expect(page.getByTestId('overview-total-saved')).toHaveText(formatUsd(totals.savedUsd));
}

test("the admin overview shows the deployment's spend per day and its top users and models, as /api/usage/overview reports them", async ({
  page,
}) => {
  // The dearest model, five times: this user tops the deployment whatever ran before.
  const userId = uniqueUser('overview');
  const key = await createKey(page.request, userId);
  for (let index = 0; index < 5; index++) {
    const answer = await chat(page.request, key, `Overview question ${index + 1}`, 'demo/chat');
    expect(answer.status()).toBe(200);
  }
  const usage = await settledUsage(page.request, bearer(key), 5);
  const overview = await overviewWithUser(page.request, userId, 5);
  const { requests, inputTokens, outputTokens, costUsd } = usage.totals;
  expect(overview.topUsers.find((user) => user.userId === userId)).toEqual({
    userId,
    requests,
    inputTokens,
    outputTokens,
    costUsd,
  });
  expect(overview.totals.costUsd).toBeGreaterThanOrEqual(usage.totals.costUsd);
  const chatModel = overview.topModels.find((model) => model.model === 'demo/chat');
  expect(chatModel?.costUsd).toBeGreaterThanOrEqual(usage.totals.costUsd);

  await page.goto('/dashboard');
  await signIn(page, e2eAdminToken);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Usage of the whole deployment');
  await expectOverviewTotals(page, overview.totals);

  const daily = overviewRegion(page, 'Spend and tokens per day');
  await expect(daily.locator('.recharts-bar-rectangle').first()).toBeVisible();
  const today = overview.byDay.at(-1);
  if (!today) throw new Error('the overview has no day');
  await daily.getByText('Show the numbers per day').click();
  await expect(daily.getByRole('row').last().locator('td')).toHaveText([
    formatTokens(today.requests),
    formatTokens(today.inputTokens),
    formatTokens(today.outputTokens),
    formatUsd(today.costUsd),
  ]);

  const userTop = topRow(page, 'Top users', 'top-user-row', userId);
  await expect(userTop.locator('[data-column="requests"]')).toHaveText('5');
  await expect(userTop.locator('[data-column="cost"]')).toHaveText(formatUsd(usage.totals.costUsd));
  await expect(
    topRow(page, 'Top models', 'top-model-row', 'demo/chat').locator('[data-column="cost"]'),
  ).toHaveText(formatUsd(chatModel?.costUsd));
  await expect(
    overviewRegion(page, 'Top users').getByRole('img', { name: /^Spend by user/ }),
  ).toBeVisible();

  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await expectNoSeriousViolations(page, `admin overview, ${colorScheme}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.screenshot({ path: `${screenshots}/dashboard-admin-overview.png`, fullPage: true });

  // A top user's name opens that user's own view, with the same numbers.
  await userTop.getByRole('link', { name: userId }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Usage of ${userId}`);
  await expectTotals(page, usage.totals);
});

test('spend by tag in /api/usage equals the sum of the tagged requests, and the admin overview shows it', async ({
  page,
}) => {
  // Tags are parsed by the chat endpoints (tags branch) and the settle script counts them on the
  // deployment's ledger too ('t:' fields of '*', limits branch). The tag is shared with other
  // tests, so the overview's row is compared by how much it grew.
  const tag = 'feature:chat';
  const tagged = { 'x-tollgate-tags': tag };
  const before = (await readOverview(page.request)).topTags.find((row) => row.tag === tag);
  const userId = uniqueUser('tags');
  const key = await createKey(page.request, userId);
  for (const [index, headers] of [tagged, {}, tagged].entries()) {
    const answer = await chat(
      page.request,
      key,
      `Tagged question ${index + 1}`,
      'demo/chat',
      headers,
    );
    expect(answer.status()).toBe(200);
  }
  const usage = await settledUsage(page.request, bearer(key), 3);
  const taggedRequests = usage.recent.filter((request) => request.tags?.includes(tag));
  expect(taggedRequests).toHaveLength(2);
  const taggedMicroUsd = taggedRequests.reduce((sum, request) => sum + request.costMicroUsd, 0);
  const byTag = usage.byTag?.find((row) => row.tag === tag);
  expect(byTag).toMatchObject({
    tag,
    requests: 2,
    inputTokens: taggedRequests.reduce((sum, request) => sum + request.inputTokens, 0),
    outputTokens: taggedRequests.reduce((sum, request) => sum + request.outputTokens, 0),
  });
  expect(Math.round((byTag?.costUsd ?? 0) * 1_000_000)).toBe(taggedMicroUsd);

  let after: UsageOverview['topTags'][number] | undefined;
  await expect
    .poll(
      async () => {
        after = (await readOverview(page.request)).topTags.find((row) => row.tag === tag);
        return (after?.requests ?? 0) - (before?.requests ?? 0);
      },
      { timeout: 10_000 },
    )
    .toBe(2);
  const addedMicroUsd =
    Math.round((after?.costUsd ?? 0) * 1_000_000) - Math.round((before?.costUsd ?? 0) * 1_000_000);
  expect(addedMicroUsd).toBe(taggedMicroUsd);

  // The user's own view splits their spend by tag.
  await page.goto('/dashboard');
  await signIn(page, key);
  await expect(
    overviewRegion(page, 'By tag')
      .locator(`[data-testid="tag-row"][data-name="${tag}"]`)
      .locator('[data-column="cost"]'),
  ).toHaveText(formatUsd(byTag?.costUsd));

  // The admin overview lists the tag with the deployment's spend on it.
  await signIn(page, e2eAdminToken);
  const tagRow = topRow(page, 'Top tags', 'top-tag-row', tag);
  await expect(tagRow.locator('[data-column="requests"]')).toHaveText(
    formatTokens(after?.requests ?? 0),
  );
  await expect(tagRow.locator('[data-column="cost"]')).toHaveText(formatUsd(after?.costUsd));
  await expectNoSeriousViolations(page, 'admin overview with tags');
});

// Teams, key policy, soft limits, the response cache and spend alerts, each produced for real:
// through the admin API, real requests and (for alerts) a webhook receiver the test runs.

async function createTeam(request: APIRequestContext, name: string): Promise<TeamRecord> {
  const id = uniqueUser(name);
  const response = await request.post('/api/teams', {
    headers: admin,
    data: { id, name: `Team ${name} ${id.slice(-6)}`, plan: 'pro' },
  });
  expect(response.status()).toBe(201);
  return (await response.json()) as TeamRecord;
}

async function addMember(request: APIRequestContext, teamId: string, userId: string) {
  const response = await request.put(`/api/teams/${teamId}/members/${userId}`, { headers: admin });
  expect(response.status()).toBe(200);
}

async function listKeys(request: APIRequestContext): Promise<ApiKeyRecord[]> {
  const response = await request.get('/api/keys', { headers: admin });
  expect(response.status()).toBe(200);
  return ((await response.json()) as { keys: ApiKeyRecord[] }).keys;
}

const microOf = (usd: number) => Math.round(usd * 1_000_000);

const notesOf = (page: Page, requestId: string) =>
  page.locator(`[data-testid="request-row"][data-request-id="${requestId}"] [data-column="notes"]`);

test("a team made through the admin API shows its members' real usage in the overview and the team view, as /api/usage?teamId= reports it", async ({
  page,
}) => {
  const team = await createTeam(page.request, 'view');
  // Members before their first request, so no instance has cached them as teamless.
  const members = [uniqueUser('member-a'), uniqueUser('member-b')];
  for (const userId of members) await addMember(page.request, team.id, userId);
  const memberUsage: UsageReport[] = [];
  for (const [index, userId] of members.entries()) {
    const key = await createKey(page.request, userId);
    for (let turn = 0; turn <= index; turn++) {
      expect((await chat(page.request, key, `Team question ${turn} of ${userId}`)).status()).toBe(
        200,
      );
    }
    memberUsage.push(await settledUsage(page.request, bearer(key), index + 1));
  }

  let teamUsage: TeamUsageReport | undefined;
  await expect
    .poll(
      async () => {
        const response = await page.request.get(`/api/usage?period=month&teamId=${team.id}`, {
          headers: admin,
        });
        teamUsage = (await response.json()) as TeamUsageReport;
        return teamUsage.totals?.requests;
      },
      { timeout: 10_000 },
    )
    .toBe(3);
  if (!teamUsage) throw new Error('no team usage');
  // The team's ledger is its members' requests, nothing else.
  const sum = (field: 'inputTokens' | 'outputTokens') =>
    memberUsage.reduce((total, usage) => total + usage.totals[field], 0);
  expect(teamUsage).toMatchObject({ teamId: team.id, plan: 'pro' });
  expect(teamUsage.totals.inputTokens).toBe(sum('inputTokens'));
  expect(teamUsage.totals.outputTokens).toBe(sum('outputTokens'));
  expect(microOf(teamUsage.totals.costUsd)).toBe(
    memberUsage.reduce((total, usage) => total + microOf(usage.totals.costUsd), 0),
  );
  let overview: UsageOverview | undefined;
  await expect
    .poll(
      async () => {
        overview = await readOverview(page.request);
        return overview.topTeams.find((row) => row.teamId === team.id)?.requests;
      },
      { timeout: 10_000 },
    )
    .toBe(3);
  const topTeam = overview?.topTeams.find((row) => row.teamId === team.id);
  expect(topTeam).toMatchObject({
    requests: 3,
    inputTokens: teamUsage.totals.inputTokens,
    outputTokens: teamUsage.totals.outputTokens,
  });
  expect(microOf(topTeam?.costUsd ?? 0)).toBe(microOf(teamUsage.totals.costUsd));

  await page.goto('/dashboard');
  await signIn(page, e2eAdminToken);
  const teamRow = overviewRegion(page, 'Teams').locator(
    `[data-testid="team-row"][data-team-id="${team.id}"]`,
  );
  await expect(teamRow.locator('td')).toHaveText([team.id, 'pro']);
  await expect(teamRow.getByRole('link', { name: team.name })).toHaveAttribute(
    'href',
    `/dashboard?period=month&teamId=${team.id}`,
  );
  // The top teams list: the team's name from /api/teams, its numbers from the overview.
  const topRowOfTeam = topRow(page, 'Top teams', 'top-team-row', team.id);
  await expect(topRowOfTeam.getByRole('link', { name: team.name })).toBeVisible();
  await expect(topRowOfTeam.locator('[data-column="requests"]')).toHaveText('3');
  await expect(topRowOfTeam.locator('[data-column="cost"]')).toHaveText(
    formatUsd(topTeam?.costUsd),
  );
  await expectNoSeriousViolations(page, 'admin overview with teams');

  await teamRow.getByRole('link', { name: team.name }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Usage of team ${team.id}`);
  await expectTotals(page, teamUsage.totals);
  await expect(page.locator('[data-testid="model-row"][data-name="demo/instant"]')).toContainText(
    formatUsd(teamUsage.totals.costUsd),
  );
  // The CSV export and the request log are per user.
  await expect(page.getByTestId('export-csv')).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'Recent requests' })).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'Limits · plan pro' })).toContainText(
    "A team's budgets count its members' requests",
  );
  await expectNoSeriousViolations(page, 'team view');
  await page.getByRole('link', { name: '← Overview' }).click();
  await expect(keysRegion(page)).toBeVisible();
});

test("the create-key form takes a team, an expiry, allowed models and limits, shows the API's errors at their field, and the key's row shows its policy and last use", async ({
  page,
}) => {
  const team = await createTeam(page.request, 'policy');
  const owner = uniqueUser('policy');
  await page.goto('/dashboard');
  await signIn(page, e2eAdminToken);
  const keys = keysRegion(page);
  const form = keys.getByRole('form', { name: 'Create a key' });
  // The form's team list is /api/teams, polled.
  await expect(form.getByLabel('Team').locator(`option[value="${team.id}"]`)).toHaveCount(1, {
    timeout: 10_000,
  });
  const localDateTime = (epochMs: number) =>
    page.evaluate((at) => {
      const moment = new Date(at);
      const pad = (value: number) => String(value).padStart(2, '0');
      return `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())}T${pad(moment.getHours())}:${pad(moment.getMinutes())}`;
    }, epochMs);
  const expiry = form.getByLabel('Expires');
  const limits = form.getByLabel('Limits as JSON');
  const error = form.getByRole('alert');

  await form.getByLabel('User id').fill(owner);
  await form.getByLabel('Team').selectOption(team.id);
  await form.getByLabel('Allowed models').fill('demo/*');
  // An expiry in the past: the API refuses it, and names the field.
  await expiry.fill(await localDateTime(Date.now() - 86_400_000));
  await form.getByRole('button', { name: 'Create key' }).click();
  await expect(error).toHaveText('expiresAt: must be in the future');
  await expect(expiry).toHaveAttribute('aria-invalid', 'true');
  // Limits the form cannot read, then limits the API does not know.
  const expiresAt = Date.now() + 30 * 86_400_000;
  await expiry.fill(await localDateTime(expiresAt));
  await limits.fill('{"tokensPerDay": ');
  await form.getByRole('button', { name: 'Create key' }).click();
  await expect(error).toContainText('Limits: not valid JSON');
  await expect(limits).toHaveAttribute('aria-invalid', 'true');
  await limits.fill('{"tokensPerWeek": 5}');
  await form.getByRole('button', { name: 'Create key' }).click();
  await expect(error).toContainText('tokensPerWeek');
  await expect(limits).toHaveAttribute('aria-invalid', 'true');
  await expect(expiry).not.toHaveAttribute('aria-invalid', 'true');
  expect((await listKeys(page.request)).filter((key) => key.userId === owner)).toEqual([]);
  await expectNoSeriousViolations(page, 'create-key form with an error');

  await limits.fill('{"tokensPerDay": 100000}');
  await form.getByRole('button', { name: 'Create key' }).click();
  const secret = await keys.getByTestId('new-key-secret').inputValue();
  expect(secret).toMatch(/^tg_/);
  await keys.getByRole('button', { name: 'Done' }).click();
  const [record] = (await listKeys(page.request)).filter((key) => key.userId === owner);
  if (!record) throw new Error('the form created no key');
  expect(record).toMatchObject({
    teamId: team.id,
    allowedModels: ['demo/*'],
    limits: { tokensPerDay: 100_000 },
    lastUsedAt: null,
  });
  // The browser's minute, in the browser's time zone, is the key's expiry.
  expect(Math.abs(Date.parse(record.expiresAt ?? '') - expiresAt)).toBeLessThan(60_000);

  // The policy holds: an allowed model answers, any other is refused by the key.
  expect((await chat(page.request, secret, 'Within policy')).status()).toBe(200);
  const refused = await chat(page.request, secret, 'Outside policy', 'broken/model');
  expect(refused.status()).toBe(403);
  expect(await refused.json()).toMatchObject({ error: { code: 'forbidden', param: 'model' } });

  const row = keys.locator(`[data-testid="key-row"][data-key-id="${record.id}"]`);
  await expect(row.locator('[data-column="policy"] li')).toHaveText([
    `Team ${team.id}`,
    'Models demo/*',
    `${labelOfLimit('tokensPerDay')}: ${formatTokens(100_000)}`,
  ]);
  await expect(row.locator('[data-column="expires"] time')).toHaveAttribute(
    'datetime',
    new Date(record.expiresAt ?? '').toISOString(),
  );
  await expect(row.locator('[data-column="expires"]')).not.toContainText('expired');
  // Last use is written after the response: the listing has it first, then the page (it polls).
  let lastUsedAt: number | undefined;
  await expect
    .poll(
      async () => {
        const listed = (await listKeys(page.request)).find((key) => key.id === record.id);
        lastUsedAt = toEpochMs(listed?.lastUsedAt);
        return lastUsedAt !== undefined;
      },
      { timeout: 10_000 },
    )
    .toBe(true);
  await expect(row.locator('[data-column="last-used"] time')).toHaveAttribute(
    'datetime',
    new Date(lastUsedAt ?? 0).toISOString(),
    { timeout: 10_000 },
  );
});

test('a key past its expiry is marked expired in the key list', async ({ page }) => {
  const owner = uniqueUser('expiring');
  const response = await page.request.post('/api/keys', {
    headers: admin,
    data: { userId: owner, expiresAt: new Date(Date.now() + 1_500).toISOString() },
  });
  expect(response.status()).toBe(201);
  const { id, key } = (await response.json()) as CreatedApiKey;
  // The expiry is a real moment: wait for the gateway itself to refuse the key.
  await expect
    .poll(async () => (await page.request.get('/api/limits', { headers: bearer(key) })).status(), {
      timeout: 10_000,
    })
    .toBe(401);
  expect((await listKeys(page.request)).find((listed) => listed.id === id)?.expired).toBe(true);
  await page.goto('/dashboard');
  await signIn(page, e2eAdminToken);
  const row = keysRegion(page).locator(`[data-testid="key-row"][data-key-id="${id}"]`);
  await expect(row.locator('[data-column="expires"]')).toContainText('expired');
  await expect(row.locator('[data-column="policy"]')).toHaveText('plan only');
});

test('a request over a soft limit shows its warning, and a cache hit what it saved, in the recent requests', async ({
  page,
}) => {
  // Plan `soft`: every request is over its 1-token day budget, softly, so it is served.
  const softUser = uniqueUser('soft');
  const softKey = await createKey(page.request, softUser, { plan: 'soft' });
  const warned = await chat(page.request, softKey, 'Over the soft budget');
  expect(warned.status()).toBe(200);
  expect(warned.headers()['x-tollgate-limit-warning']).toBe('tokensPerDay');
  const softUsage = await settledUsage(page.request, bearer(softKey), 1);
  const [warnedEntry] = softUsage.recent;
  expect(warnedEntry?.limitWarnings).toEqual(['tokensPerDay']);

  // Plan `cached`: the same question twice, the second served from the response cache.
  const cacheUser = uniqueUser('cache');
  const cacheKey = await createKey(page.request, cacheUser, { plan: 'cached' });
  const miss = await chat(page.request, cacheKey, 'Asked twice');
  expect(miss.headers()['x-tollgate-cache']).toBe('miss');
  // The entry is written with the settlement, after the response: ask again until it hits.
  await expect
    .poll(
      async () => (await chat(page.request, cacheKey, 'Asked twice')).headers()['x-tollgate-cache'],
      {
        timeout: 10_000,
      },
    )
    .toBe('hit');
  let cacheUsage: UsageReport | undefined;
  await expect
    .poll(
      async () => {
        cacheUsage = await readUsage(page.request, bearer(cacheKey), 'period=month');
        return cacheUsage.recent.some((request) => request.cached);
      },
      { timeout: 10_000 },
    )
    .toBe(true);
  const hit = cacheUsage?.recent.find((request) => request.cached);
  const original = cacheUsage?.recent.find((request) => !request.cached);
  if (!hit || !original) throw new Error('no hit and miss in the log');
  expect(original.costMicroUsd).toBeGreaterThan(0);
  expect(hit).toMatchObject({ costMicroUsd: 0, savedMicroUsd: original.costMicroUsd });

  await page.goto('/dashboard');
  await signIn(page, softKey);
  await expect(notesOf(page, warnedEntry?.id ?? '')).toHaveText(
    `Over soft limit: ${labelOfLimit('tokensPerDay')}`,
  );
  await signIn(page, cacheKey);
  await expect(notesOf(page, hit.id)).toHaveText(
    `Cached, saved ${formatUsd(original.costMicroUsd / 1_000_000)}`,
  );
  await expect(notesOf(page, original.id)).toHaveText('—');
  await expectNoSeriousViolations(page, 'recent requests with notes');
  // An administrator sees the same notes on the user's view.
  await signIn(page, e2eAdminToken);
  await page.goto(`/dashboard?userId=${cacheUser}`);
  await expect(notesOf(page, hit.id)).toHaveText(
    `Cached, saved ${formatUsd(original.costMicroUsd / 1_000_000)}`,
  );
});

test('a spend alert that fired and was delivered to a real webhook is listed to its user and to the admin', async ({
  page,
}) => {
  const receiver = await startWebhookReceiver(
    { [e2eWebhookPath]: [200] },
    { port: e2eWebhookPort },
  );
  try {
    // Plan `alerted`: 10% of a 1,000-token day budget, which the first answer passes.
    const userId = uniqueUser('alerted');
    const key = await createKey(page.request, userId, { plan: 'alerted' });
    expect((await chat(page.request, key, 'Enough to alert')).status()).toBe(200);
    const [delivery] = await receiver.waitFor((received) => received.length > 0);
    const { data: sent } = JSON.parse(delivery?.body ?? '{}') as { data: AlertRecord };
    expect(sent).toMatchObject({
      ledger: { kind: 'user', id: userId },
      limit: 'tokensPerDay',
      threshold: 10,
      limitValue: 1_000,
    });

    let listed: AlertRecord | undefined;
    await expect
      .poll(
        async () => {
          const response = await page.request.get('/api/alerts', { headers: bearer(key) });
          const { alerts } = (await response.json()) as { alerts: AlertRecord[] };
          listed = alerts.find((alert) => alert.id === sent.id);
          return listed?.delivery?.status;
        },
        { timeout: 10_000 },
      )
      .toBe('delivered');
    const expected = new RegExp(
      [
        `user ${userId}`,
        labelOfLimit('tokensPerDay'),
        '10%',
        `${formatTokens(listed?.used ?? 0)} of ${formatTokens(1_000)}`,
        `delivered \\(${listed?.delivery?.attempts} attempts?\\)`,
      ].join('.*'),
    );

    await page.goto('/dashboard');
    await signIn(page, key);
    const own = overviewRegion(page, 'Alerts').locator(
      `[data-testid="alert-row"][data-alert-id="${sent.id}"]`,
    );
    await expect(own).toHaveText(expected);
    await expectNoSeriousViolations(page, 'user view with an alert');

    await signIn(page, e2eAdminToken);
    await expect(
      overviewRegion(page, 'Alerts').locator(
        `[data-testid="alert-row"][data-alert-id="${sent.id}"]`,
      ),
    ).toHaveText(expected);
    await expectNoSeriousViolations(page, 'admin overview with an alert');
  } finally {
    await receiver.close();
  }
});

test('teams and alerts endpoints a deployment does not serve (404) leave their sections out', async ({
  page,
}) => {
  // The one state no real request produces here: every endpoint exists on this build.
  await createKey(page.request, uniqueUser('missing'));
  const notFound = {
    error: { message: 'Not found.', type: 'invalid_request_error', code: 'not_found', param: null },
  };
  await page.route('**/api/teams', (route) => route.fulfill({ status: 404, json: notFound }));
  await page.route('**/api/alerts', (route) => route.fulfill({ status: 404, json: notFound }));
  await page.goto('/dashboard');
  await signIn(page, e2eAdminToken);
  await expect(keysRegion(page).getByTestId('key-row').first()).toBeVisible();
  await expect(overviewRegion(page, 'Teams')).toHaveCount(0);
  await expect(overviewRegion(page, 'Alerts')).toHaveCount(0);
  // No error notice in the page (Next's route announcer is an empty alert outside main).
  await expect(page.getByRole('main').getByRole('alert')).toHaveCount(0);
});

import type { TestApp } from './app';

export interface UsageTotals {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/**
 * The caller's month totals once `requests` requests are settled (settlement runs after the
 * response), or what they are after 10 s.
 */
export async function settledTotals(
  app: TestApp,
  apiKey: string,
  requests: number,
): Promise<UsageTotals> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const response = await fetch(`${app.url}/api/usage`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    const { totals } = (await response.json()) as { totals: UsageTotals };
    if (totals.requests >= requests || Date.now() > deadline) return totals;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

import type { Usage } from '@/lib/chat/types';
import type { Pricing } from '@/lib/config';

/**
 * Cost of a request in integer micro-dollars. A price in dollars per million tokens is exactly
 * micro-dollars per token, so the arithmetic stays in integers until one final rounding.
 */
export function costInMicroUsd(pricing: Pricing, usage: Usage): number {
  const cacheRead = Math.min(usage.cacheReadTokens, usage.inputTokens);
  const cacheReadPrice = pricing.cacheReadPerMTok ?? pricing.inputPerMTok;
  return Math.round(
    (usage.inputTokens - cacheRead) * pricing.inputPerMTok +
      cacheRead * cacheReadPrice +
      usage.outputTokens * pricing.outputPerMTok,
  );
}

export function microUsdToUsd(microUsd: number): number {
  return microUsd / 1_000_000;
}

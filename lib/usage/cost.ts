import type { Usage } from '@/lib/chat/types';
import type { Pricing } from '@/lib/config';

/**
 * Cost of a request in integer micro-dollars. A price in dollars per million tokens is exactly
 * micro-dollars per token, so the arithmetic stays in integers until one final rounding. Cache
 * reads and writes are part of the input tokens and priced at their own rates where known.
 */
export function costInMicroUsd(pricing: Pricing, usage: Usage): number {
  const cacheRead = Math.min(usage.cacheReadTokens, usage.inputTokens);
  const cacheWrite = Math.min(usage.cacheWriteTokens, usage.inputTokens - cacheRead);
  const cacheReadPrice = pricing.cacheReadPerMTok ?? pricing.inputPerMTok;
  const cacheWritePrice = pricing.cacheWritePerMTok ?? pricing.inputPerMTok;
  return Math.round(
    (usage.inputTokens - cacheRead - cacheWrite) * pricing.inputPerMTok +
      cacheRead * cacheReadPrice +
      cacheWrite * cacheWritePrice +
      usage.outputTokens * pricing.outputPerMTok,
  );
}

export function microUsdToUsd(microUsd: number): number {
  return microUsd / 1_000_000;
}

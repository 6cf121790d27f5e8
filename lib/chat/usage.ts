import type { LanguageModelUsage } from 'ai';
import type { ChatOutcome, Usage } from './types';

const noUsage: Usage = {
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  totalTokens: 0,
};

/** Our usage from the AI SDK's, where any count may be missing; `fallback` fills the gaps. */
export function toUsage(reported: LanguageModelUsage, fallback: Usage = noUsage): Usage {
  const inputTokens = reported.inputTokens ?? fallback.inputTokens;
  const outputTokens = reported.outputTokens ?? fallback.outputTokens;
  return {
    inputTokens,
    outputTokens,
    cacheReadTokens: reported.inputTokenDetails?.cacheReadTokens ?? fallback.cacheReadTokens,
    cacheWriteTokens: reported.inputTokenDetails?.cacheWriteTokens ?? fallback.cacheWriteTokens,
    totalTokens: inputTokens + outputTokens,
  };
}

/** The usage of an answer the provider gave no counts for: the estimate in, what was counted out. */
export function countedUsage(inputTokenEstimate: number, outputTokens: number): Usage {
  return {
    inputTokens: inputTokenEstimate,
    outputTokens,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    totalTokens: inputTokenEstimate + outputTokens,
  };
}

/**
 * What a request is billed for: an answer is served once it produced output, so a call that
 * failed before its first token costs nothing. The usage records and a conversation's totals
 * both count this.
 */
export function billedUsage(outcome: ChatOutcome | undefined): { served: boolean; usage: Usage } {
  const served =
    outcome !== undefined && (outcome.ending !== 'failed' || outcome.usage.outputTokens > 0);
  return { served, usage: served ? outcome.usage : noUsage };
}

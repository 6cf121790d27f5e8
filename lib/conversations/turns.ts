import type { ChatRun } from '@/lib/chat/pipeline';
import type { ChatOutcome, Usage } from '@/lib/chat/types';
import { costInMicroUsd, microUsdToUsd } from '@/lib/usage/cost';
import type { ConversationMessage, Turns } from './store';

const noUsage: Usage = {
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  totalTokens: 0,
};

/**
 * The turns one answer adds. The totals count what the usage record bills (lib/chat/accounting.ts
 * bills a failed answer only when it produced output), so they add up to the usage records.
 */
export function turnsOf(
  run: Pick<ChatRun, 'model' | 'provider' | 'pricing'>,
  outcome: ChatOutcome,
  request: { content?: string; regenerate?: boolean; askedAt: number; endedAt: number },
): Turns {
  const served = outcome.ending !== 'failed' || outcome.usage.outputTokens > 0;
  const usage = served ? outcome.usage : noUsage;
  const microUsd = run.pricing ? costInMicroUsd(run.pricing, usage) : 0;
  const user: ConversationMessage | undefined = request.regenerate
    ? undefined
    : { role: 'user', content: request.content ?? '', createdAt: request.askedAt };
  const answered = outcome.ending === 'finished' || outcome.text.length > 0;
  const assistant: ConversationMessage | undefined = answered
    ? {
        role: 'assistant',
        content: outcome.text,
        createdAt: request.endedAt,
        answer: {
          model: run.model,
          provider: run.provider,
          usage: {
            inputTokens: usage.inputTokens,
            outputTokens: usage.outputTokens,
            totalTokens: usage.totalTokens,
          },
          costUsd: run.pricing ? microUsdToUsd(microUsd) : null,
          ending: outcome.ending,
          timeToFirstTokenMs: outcome.timeToFirstTokenMs,
        },
      }
    : undefined;
  return {
    user,
    assistant,
    tokens: usage.totalTokens,
    microUsd,
    regenerate: request.regenerate === true,
  };
}

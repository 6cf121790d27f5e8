import type { ChatRun } from '@/lib/chat/pipeline';
import type { ChatOutcome } from '@/lib/chat/types';
import { billedUsage } from '@/lib/chat/usage';
import { costInMicroUsd, microUsdToUsd } from '@/lib/usage/cost';
import type { ConversationMessage, Turns } from './store';

/**
 * The turns one answer adds. The totals count what the usage record bills (`billedUsage`), so
 * they add up to the usage records.
 */
export function turnsOf(
  run: Pick<ChatRun, 'model' | 'provider' | 'pricing'>,
  outcome: ChatOutcome,
  request: { content?: string; regenerate?: boolean; askedAt: number; endedAt: number },
): Turns {
  const { usage } = billedUsage(outcome);
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

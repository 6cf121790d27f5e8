import { describe, expect, it } from 'vitest';
import type { ChatOutcome } from '@/lib/chat/types';
import { turnsOf } from '@/lib/conversations/turns';
import { costInMicroUsd } from '@/lib/usage/cost';

const pricing = { inputPerMTok: 3, outputPerMTok: 15 };
const run = { model: 'test/priced', provider: 'upstream', pricing };
const request = { content: 'Where to?', askedAt: 1_000, endedAt: 2_000 };

function outcome(fields: Partial<ChatOutcome>): ChatOutcome {
  return {
    ending: 'finished',
    usage: {
      inputTokens: 20,
      outputTokens: 10,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      totalTokens: 30,
    },
    usageSource: 'provider',
    finishReason: 'stop',
    text: 'Lisbon.',
    timeToFirstTokenMs: 40,
    ...fields,
  };
}

describe('turnsOf', () => {
  it('a finished answer adds the question, the answer and its priced usage', () => {
    const finished = outcome({});
    const turns = turnsOf(run, finished, request);
    const microUsd = costInMicroUsd(pricing, finished.usage);
    expect(turns).toEqual({
      user: { role: 'user', content: 'Where to?', createdAt: 1_000 },
      assistant: {
        role: 'assistant',
        content: 'Lisbon.',
        createdAt: 2_000,
        answer: {
          model: 'test/priced',
          provider: 'upstream',
          usage: { inputTokens: 20, outputTokens: 10, totalTokens: 30 },
          costUsd: microUsd / 1_000_000,
          ending: 'finished',
          timeToFirstTokenMs: 40,
        },
      },
      tokens: 30,
      microUsd,
      regenerate: false,
    });
  });

  it('a stopped answer keeps its partial text, marked aborted, and its billed usage', () => {
    const turns = turnsOf(run, outcome({ ending: 'aborted', text: 'Lis' }), request);
    expect(turns.assistant).toMatchObject({ content: 'Lis', answer: { ending: 'aborted' } });
    expect(turns.tokens).toBe(30);
  });

  it('a failure without output keeps the question only and costs nothing, as its usage record', () => {
    const failed = outcome({
      ending: 'failed',
      text: '',
      usage: {
        inputTokens: 20,
        outputTokens: 0,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        totalTokens: 20,
      },
    });
    const turns = turnsOf(run, failed, request);
    expect(turns.user?.content).toBe('Where to?');
    expect(turns.assistant).toBeUndefined();
    expect([turns.tokens, turns.microUsd]).toEqual([0, 0]);
  });

  it('a regenerated answer adds no question; an unpriced model has a null cost', () => {
    const turns = turnsOf({ ...run, pricing: undefined }, outcome({}), {
      ...request,
      regenerate: true,
    });
    expect(turns.user).toBeUndefined();
    expect(turns.regenerate).toBe(true);
    expect(turns.assistant?.answer?.costUsd).toBeNull();
    expect(turns.microUsd).toBe(0);
  });
});

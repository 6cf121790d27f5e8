import type { Experimental_LanguageModelStreamPart as ModelCallPart, ToolSet } from 'ai';
import { describe, expect, it } from 'vitest';
import { toTextStreamParts } from '@/lib/chat/model-call';

const usage = {
  inputTokens: 5,
  inputTokenDetails: { noCacheTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0 },
  outputTokens: 2,
  outputTokenDetails: { textTokens: 2, reasoningTokens: 0 },
  totalTokens: 7,
};

function call(parts: ModelCallPart<ToolSet>[]) {
  return Promise.resolve({
    stream: new ReadableStream<ModelCallPart<ToolSet>>({
      start(controller) {
        for (const part of parts) controller.enqueue(part);
        controller.close();
      },
    }),
  });
}

async function collect(stream: ReadableStream<unknown>) {
  const parts: unknown[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return parts;
    parts.push(value);
  }
}

describe('toTextStreamParts', () => {
  it('emits the parts streamText would: start, start-step, the content, finish-step, finish', async () => {
    const parts = await collect(
      toTextStreamParts(
        call([
          { type: 'model-call-start', warnings: [] },
          { type: 'model-call-response-metadata', id: 'resp-1', modelId: 'm-1' },
          { type: 'text-start', id: 't' },
          { type: 'text-delta', id: 't', text: 'Hi' },
          { type: 'text-end', id: 't' },
          {
            type: 'model-call-end',
            finishReason: 'stop',
            rawFinishReason: 'stop',
            usage,
            performance: {
              responseTimeMs: 12,
              effectiveOutputTokensPerSecond: 1,
              outputTokensPerSecond: undefined,
              inputTokensPerSecond: undefined,
              effectiveTotalTokensPerSecond: 1,
              timeToFirstOutputMs: 3,
            },
          },
        ]),
      ),
    );
    expect(parts.map((part) => (part as { type: string }).type)).toEqual([
      'start',
      'start-step',
      'text-start',
      'text-delta',
      'text-end',
      'finish-step',
      'finish',
    ]);
    expect(parts[5]).toMatchObject({
      response: { id: 'resp-1', modelId: 'm-1' },
      usage,
      finishReason: 'stop',
    });
    expect(parts[6]).toEqual({
      type: 'finish',
      finishReason: 'stop',
      rawFinishReason: 'stop',
      totalUsage: usage,
    });
  });

  it('errors the stream when the call fails before it streams', async () => {
    const failure = new Error('connection refused');
    const reader = toTextStreamParts(Promise.reject(failure)).getReader();
    await expect(reader.read()).rejects.toBe(failure);
  });
});

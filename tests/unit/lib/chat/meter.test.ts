import type { TextStreamPart, ToolSet } from 'ai';
import { describe, expect, it } from 'vitest';
import { meterStream } from '@/lib/chat/meter';
import { countTokens } from '@/lib/tokens';

type Part = TextStreamPart<ToolSet>;

const delta = (text: string): Part => ({ type: 'text-delta', id: 't', text });
const finish: Part = {
  type: 'finish',
  finishReason: 'stop',
  rawFinishReason: 'stop',
  totalUsage: {
    inputTokens: 40,
    inputTokenDetails: { noCacheTokens: 30, cacheReadTokens: 10, cacheWriteTokens: 0 },
    outputTokens: 7,
    outputTokenDetails: { textTokens: 7, reasoningTokens: 0 },
    totalTokens: 47,
  },
};

function source(parts: Part[], keepOpen = false) {
  return new ReadableStream<Part>({
    start(controller) {
      for (const part of parts) controller.enqueue(part);
      if (!keepOpen) controller.close();
    },
  });
}

async function drain(stream: ReadableStream<Part>) {
  const reader = stream.getReader();
  while (!(await reader.read()).done) {}
}

describe('meterStream', () => {
  it('takes the usage the provider reported when the answer finishes', async () => {
    const metered = meterStream(source([delta('Hello'), delta(' world'), finish]), {
      inputTokenEstimate: 12,
    });
    await drain(metered.stream);
    const outcome = await metered.outcome;
    expect(outcome.ending).toBe('finished');
    expect(outcome.usageSource).toBe('provider');
    expect(outcome.usage).toEqual({
      inputTokens: 40,
      outputTokens: 7,
      cacheReadTokens: 10,
      cacheWriteTokens: 0,
      totalTokens: 47,
    });
    expect(outcome.text).toBe('Hello world');
  });

  it('fills in what the provider did not report from the input estimate and the streamed text', async () => {
    const unreported: Part = {
      ...finish,
      totalUsage: {
        inputTokens: undefined,
        inputTokenDetails: {
          noCacheTokens: undefined,
          cacheReadTokens: undefined,
          cacheWriteTokens: undefined,
        },
        outputTokens: undefined,
        outputTokenDetails: { textTokens: undefined, reasoningTokens: undefined },
        totalTokens: undefined,
      },
    };
    const metered = meterStream(source([delta('Hello'), delta(' world'), unreported]), {
      inputTokenEstimate: 12,
    });
    await drain(metered.stream);
    const outcome = await metered.outcome;
    expect(outcome.ending).toBe('finished');
    expect(outcome.usageSource).toBe('counted');
    expect(outcome.usage).toEqual({
      inputTokens: 12,
      outputTokens: countTokens('Hello world'),
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      totalTokens: 12 + countTokens('Hello world'),
    });
  });

  it('counts the streamed text when the client aborts', async () => {
    const controller = new AbortController();
    const streamed = ['The quick', ' brown fox', ' jumps over'];
    let clock = 1000;
    const metered = meterStream(source(streamed.map(delta), true), {
      inputTokenEstimate: 25,
      signal: controller.signal,
      now: () => (clock += 5),
    });
    const reader = metered.stream.getReader();
    for (const _ of streamed) await reader.read();
    controller.abort();
    const outcome = await metered.outcome;
    expect(outcome.ending).toBe('aborted');
    expect(outcome.usageSource).toBe('counted');
    const outputTokens = countTokens(streamed.join(''));
    expect(outcome.usage).toEqual({
      inputTokens: 25,
      outputTokens,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      totalTokens: 25 + outputTokens,
    });
    expect(outcome.timeToFirstTokenMs).toBe(5);
  });

  it('reports a failure with the output counted so far', async () => {
    const failure = new Error('upstream cut');
    const metered = meterStream(
      source([delta('partial answer'), { type: 'error', error: failure }]),
      {
        inputTokenEstimate: 3,
      },
    );
    await drain(metered.stream);
    const outcome = await metered.outcome;
    expect(outcome.ending).toBe('failed');
    expect(outcome.error).toBe(failure);
    expect(outcome.usage.outputTokens).toBe(countTokens('partial answer'));
  });

  it('treats a stream that ends without a finish part as failed', async () => {
    const metered = meterStream(source([delta('cut')]), { inputTokenEstimate: 1 });
    await drain(metered.stream);
    expect((await metered.outcome).ending).toBe('failed');
  });
});

describe('meterStream when the source breaks', () => {
  it('turns a thrown read (a cut connection) into an error part and a failed outcome', async () => {
    const cut = new Error('terminated');
    let sent = false;
    const source = new ReadableStream<Part>({
      pull(controller) {
        if (!sent) {
          sent = true;
          controller.enqueue(delta('half an'));
        } else controller.error(cut);
      },
    });
    const metered = meterStream(source, { inputTokenEstimate: 2 });
    const parts: Part[] = [];
    const reader = metered.stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
    }
    expect(parts.map((part) => part.type)).toEqual(['text-delta', 'error']);
    const outcome = await metered.outcome;
    expect(outcome.ending).toBe('failed');
    expect(outcome.error).toBe(cut);
    expect(outcome.usage.outputTokens).toBe(countTokens('half an'));
  });

  it('settles as aborted when the consumer cancels', async () => {
    const metered = meterStream(source([delta('some text')], true), { inputTokenEstimate: 4 });
    const reader = metered.stream.getReader();
    await reader.read();
    await reader.cancel('client went away');
    const outcome = await metered.outcome;
    expect(outcome.ending).toBe('aborted');
    expect(outcome.usage.outputTokens).toBe(countTokens('some text'));
  });
});

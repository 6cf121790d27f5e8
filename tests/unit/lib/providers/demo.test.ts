import type { LanguageModelV4CallOptions, LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { createDemoModel } from '@/lib/providers/demo/demo-model';
import { countTokens, estimatePromptTokens } from '@/lib/tokens';

function callOptions(question: string, extra: Partial<LanguageModelV4CallOptions> = {}) {
  return {
    prompt: [{ role: 'user' as const, content: [{ type: 'text' as const, text: question }] }],
    ...extra,
  } satisfies LanguageModelV4CallOptions;
}

async function readAll(stream: ReadableStream<LanguageModelV4StreamPart>) {
  const parts: LanguageModelV4StreamPart[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return parts;
    parts.push(value);
  }
}

describe('demo model', () => {
  const model = createDemoModel({ modelId: 'chat', tokenDelayMs: 0 });

  it('answers the same question with the same text', async () => {
    const first = await model.doGenerate(callOptions('What is Tollgate?'));
    const second = await model.doGenerate(callOptions('What is Tollgate?'));
    const other = await model.doGenerate(callOptions('Something else entirely'));
    expect(first.content).toEqual(second.content);
    expect(first.content).not.toEqual(other.content);
  });

  it('streams token by token and reports exact token counts', async () => {
    const options = callOptions('Count my tokens 🧮 please');
    const { stream } = await model.doStream(options);
    const parts = await readAll(stream);
    const deltas = parts.flatMap((part) => (part.type === 'text-delta' ? [part.delta] : []));
    const finish = parts.at(-1);
    expect(finish?.type).toBe('finish');
    if (finish?.type !== 'finish') return;
    const text = deltas.join('');
    expect(deltas.length).toBeGreaterThan(20);
    expect(finish.usage.outputTokens.total).toBe(countTokens(text));
    expect(finish.usage.inputTokens.total).toBe(estimatePromptTokens(options.prompt));
    expect(finish.finishReason.unified).toBe('stop');
    expect(text).toContain('Count my tokens 🧮 please');
  });

  it('stops at maxOutputTokens and says why', async () => {
    const { stream } = await model.doStream(callOptions('short please', { maxOutputTokens: 7 }));
    const parts = await readAll(stream);
    const finish = parts.at(-1);
    if (finish?.type !== 'finish') throw new Error('no finish part');
    expect(finish.usage.outputTokens.total).toBeLessThanOrEqual(7);
    expect(finish.usage.outputTokens.total).toBeGreaterThanOrEqual(6);
    expect(finish.finishReason.unified).toBe('length');
  });

  it('paces its tokens and stops when the caller aborts', async () => {
    const paced = createDemoModel({ modelId: 'chat', tokenDelayMs: 5 });
    const controller = new AbortController();
    const { stream } = await paced.doStream(
      callOptions('a long answer', { abortSignal: controller.signal }),
    );
    const reader = stream.getReader();
    const startedAt = Date.now();
    let deltas = 0;
    while (deltas < 5) {
      const { value } = await reader.read();
      if (value?.type === 'text-delta') deltas++;
    }
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(20);
    controller.abort();
    await expect(reader.read()).rejects.toBeDefined();
  });
});

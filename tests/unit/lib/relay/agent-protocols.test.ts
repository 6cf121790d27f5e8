import { describe, expect, it } from 'vitest';
import { anthropicMessagesProtocol } from '@/lib/relay/anthropic-messages';
import { relayAttempt } from '@/lib/relay/attempt';
import { openAIResponsesProtocol } from '@/lib/relay/openai-responses';
import type { RelayProtocol } from '@/lib/relay/protocol';

const owned = { upstreamModel: 'up-model', maxOutputTokens: 50, user: 'caller-1' };
const event = (type: string, data: Record<string, unknown>) =>
  `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

/** A fetch that streams these SSE pieces (each its own chunk), then closes or cuts. */
function upstream(pieces: string[], { cut = false } = {}) {
  const sent: Array<{
    url: string;
    body: Record<string, unknown>;
    headers: Record<string, string>;
  }> = [];
  const fake: typeof fetch = async (input, init) => {
    sent.push({
      url: String(input),
      body: JSON.parse(String(init?.body)),
      headers: init?.headers as Record<string, string>,
    });
    const encoder = new TextEncoder();
    let index = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (index < pieces.length) controller.enqueue(encoder.encode(pieces[index++]));
        else if (cut) controller.error(new TypeError('terminated'));
        else controller.close();
      },
    });
    return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
  };
  return { fetch: fake, sent };
}

async function relay(
  protocol: RelayProtocol,
  body: Record<string, unknown>,
  fetch: typeof globalThis.fetch,
  headers?: Record<string, string>,
) {
  const started = await relayAttempt({
    source: { protocol, body, headers },
    endpoint: { baseURL: 'http://upstream.test/v1', headers: { 'x-api-key': 'k' } },
    owned,
    inputTokenEstimate: 11,
    attemptSignal: new AbortController().signal,
    signal: undefined,
    answerTimeoutMs: 1_000,
    fetch,
  });
  return started.complete();
}

const anthropicAnswer = (startUsage: Record<string, number>) => [
  event('message_start', {
    message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], usage: startUsage },
  }),
  event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: ' one' } }),
  event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: ' two' } }),
  event('content_block_stop', { index: 0 }),
  event('message_delta', {
    delta: { stop_reason: 'end_turn' },
    usage: {
      input_tokens: 5,
      cache_read_input_tokens: 3,
      cache_creation_input_tokens: 2,
      output_tokens: 2,
    },
  }),
  event('message_stop', {}),
];

describe('the Anthropic Messages relay', () => {
  it('sends the body as written with the owned fields, and the client’s version and beta headers', async () => {
    const { fetch, sent } = upstream(anthropicAnswer({ input_tokens: 5, output_tokens: 1 }));
    const body = {
      model: 'test/claude',
      max_tokens: 32_000,
      stream: true,
      thinking: { type: 'adaptive' },
      context_management: { edits: [] },
      messages: [{ role: 'user', content: 'hi' }],
    };
    await relay(anthropicMessagesProtocol, body, fetch, { 'anthropic-beta': 'x-2026' });
    expect(sent[0]?.url).toBe('http://upstream.test/v1/messages');
    expect(sent[0]?.body).toEqual({
      ...body,
      model: 'up-model',
      max_tokens: 50,
      metadata: { user_id: 'caller-1' },
    });
    expect(sent[0]?.headers).toMatchObject({ 'x-api-key': 'k', 'anthropic-beta': 'x-2026' });
  });

  it('keeps a thinking budget below a clamped output cap, or drops thinking when none fits', () => {
    const endpoint = { baseURL: 'http://upstream.test/v1', headers: {} };
    const body = {
      model: 'm',
      max_tokens: 32_000,
      thinking: { type: 'enabled', budget_tokens: 16_000 },
    };
    const roomy = anthropicMessagesProtocol.rewrite(
      body,
      { ...owned, maxOutputTokens: 8_000 },
      endpoint,
    );
    expect(roomy.body.thinking).toEqual({ type: 'enabled', budget_tokens: 7_999 });
    const tight = anthropicMessagesProtocol.rewrite(
      body,
      { ...owned, maxOutputTokens: 900 },
      endpoint,
    );
    expect(tight.body.thinking).toBeUndefined();
    const fits = anthropicMessagesProtocol.rewrite(
      body,
      { ...owned, maxOutputTokens: 20_000 },
      endpoint,
    );
    expect(fits.body.thinking).toEqual(body.thinking);
  });

  it('passes the stream through and settles the usage message_delta reports, caches included', async () => {
    const pieces = anthropicAnswer({ input_tokens: 5, output_tokens: 1 });
    const { fetch } = upstream(pieces);
    const answer = await relay(anthropicMessagesProtocol, { model: 'm', stream: true }, fetch);
    expect(await answer.response.text()).toBe(pieces.join(''));
    expect((await answer.outcome).usage).toEqual({
      inputTokens: 10,
      outputTokens: 2,
      cacheReadTokens: 3,
      cacheWriteTokens: 2,
      totalTokens: 12,
    });
  });

  it('puts the input estimate in a message_start that reports none', async () => {
    const { fetch } = upstream(anthropicAnswer({ input_tokens: 0, output_tokens: 0 }));
    const answer = await relay(anthropicMessagesProtocol, { model: 'm', stream: true }, fetch);
    const text = await answer.response.text();
    const start = JSON.parse(/event: message_start\ndata: (.+)/.exec(text)?.[1] ?? '{}');
    expect(start.message.usage.input_tokens).toBe(11);
    expect(text).toContain('event: message_stop');
  });

  it('ends a cut stream with an Anthropic error event', async () => {
    const { fetch } = upstream(anthropicAnswer({ input_tokens: 5 }).slice(0, 3), { cut: true });
    const answer = await relay(anthropicMessagesProtocol, { model: 'm', stream: true }, fetch);
    const text = await answer.response.text();
    expect(text.trimEnd().split('\n\n').at(-1)).toMatch(/^event: error\ndata: \{"type":"error"/);
    const outcome = await answer.outcome;
    expect(outcome.ending).toBe('failed');
    expect(outcome.usage.outputTokens).toBe(1);
  });
});

describe('the OpenAI Responses relay', () => {
  const completed = (usage: Record<string, unknown>) =>
    event('response.completed', {
      sequence_number: 4,
      response: { id: 'resp_1', status: 'completed', output: [], usage },
    });
  const pieces = [
    event('response.created', { sequence_number: 0, response: { id: 'resp_1' } }),
    event('response.output_text.delta', { sequence_number: 1, delta: ' one' }),
    event('response.output_text.delta', { sequence_number: 2, delta: ' two' }),
    event('response.output_item.done', { sequence_number: 3, item: { type: 'message' } }),
    completed({ input_tokens: 9, input_tokens_details: { cached_tokens: 4 }, output_tokens: 2 }),
  ];

  it('sends the body as written with the owned fields and settles response.completed’s usage', async () => {
    const { fetch, sent } = upstream(pieces);
    const body = {
      model: 'test/openai',
      stream: true,
      store: false,
      input: [{ type: 'message', role: 'developer', content: 'x' }],
      prompt_cache_key: 'k',
    };
    const answer = await relay(openAIResponsesProtocol, body, fetch);
    expect(sent[0]?.url).toBe('http://upstream.test/v1/responses');
    expect(sent[0]?.body).toEqual({
      ...body,
      model: 'up-model',
      max_output_tokens: 50,
      safety_identifier: 'caller-1',
    });
    expect(await answer.response.text()).toBe(pieces.join(''));
    expect((await answer.outcome).usage).toMatchObject({
      inputTokens: 9,
      outputTokens: 2,
      cacheReadTokens: 4,
    });
  });

  it('ends a cut stream with response.failed and bills what was streamed', async () => {
    const { fetch } = upstream(pieces.slice(0, 3), { cut: true });
    const answer = await relay(openAIResponsesProtocol, { model: 'm', stream: true }, fetch);
    const text = await answer.response.text();
    expect(text.trimEnd().split('\n\n').at(-1)).toMatch(/^event: response\.failed\n/);
    const outcome = await answer.outcome;
    expect(outcome.ending).toBe('failed');
    expect(outcome.usage).toMatchObject({ inputTokens: 11, outputTokens: 2 });
  });
});

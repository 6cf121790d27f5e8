import { describe, expect, it } from 'vitest';
import { GatewayError } from '@/lib/errors';
import { relayAttempt } from '@/lib/relay/attempt';
import { openAIChatProtocol } from '@/lib/relay/openai-chat';
import type { UpstreamEndpoint } from '@/lib/relay/protocol';

const endpoint: UpstreamEndpoint = {
  baseURL: 'http://upstream.test/v1',
  headers: { authorization: 'Bearer k' },
  outputCapField: 'max_tokens',
};
const owned = { upstreamModel: 'gpt-up', maxOutputTokens: 50, user: 'caller-1' };

const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }], usage: null })}\n\n`;
const usageChunk = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10, prompt_tokens_details: { cached_tokens: 2 } } })}\n\n`;
const answer = [
  chunk({ role: 'assistant', content: '' }),
  chunk({ content: ' one' }),
  chunk({ content: ' two' }),
  chunk({}, 'stop'),
  usageChunk,
  'data: [DONE]\n\n',
];

/** A fetch that answers with these SSE pieces, each its own chunk, and records what it got. */
function upstream(pieces: string[], { cut = false, status = 200, headers = {} } = {}) {
  const sent: Array<{ url: string; body: unknown; headers: Record<string, string> }> = [];
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
    return new Response(body, {
      status,
      headers: {
        'content-type': status === 200 ? 'text/event-stream' : 'application/json',
        ...headers,
      },
    });
  };
  return { fetch: fake, sent };
}

async function attempt(
  body: Record<string, unknown>,
  fetch: typeof globalThis.fetch,
  signal?: AbortSignal,
) {
  const started = await relayAttempt({
    source: { protocol: openAIChatProtocol, body },
    endpoint,
    owned,
    inputTokenEstimate: 9,
    attemptSignal: signal ?? new AbortController().signal,
    signal,
    answerTimeoutMs: 1_000,
    fetch,
  });
  return started.complete();
}

const streamed = {
  model: 'test/x',
  stream: true,
  messages: [{ role: 'user', content: 'hi', name: 'alice' }],
  reasoning_effort: 'low',
  logit_bias: { '42': -1 },
  prediction: { type: 'content', content: 'x' },
};

describe('the OpenAI Chat Completions relay', () => {
  it('sends the body as written, changing only the fields the gateway owns', async () => {
    const { fetch, sent } = upstream(answer);
    await (await attempt({ ...streamed, max_completion_tokens: 500 }, fetch)).response.text();
    expect(sent[0]?.url).toBe('http://upstream.test/v1/chat/completions');
    expect(sent[0]?.headers.authorization).toBe('Bearer k');
    expect(sent[0]?.body).toEqual({
      ...streamed,
      model: 'gpt-up',
      max_completion_tokens: 50,
      stream_options: { include_usage: true },
      user: 'caller-1',
    });
  });

  it("sets the target's own cap field when the client named none, and keeps the client's user", async () => {
    const { fetch, sent } = upstream(answer);
    // The double streams even so; the answer is not JSON, which is not this test's concern.
    await attempt({ ...streamed, stream: false, user: 'theirs' }, fetch).catch(() => undefined);
    expect(sent[0]?.body).toMatchObject({ max_tokens: 50, user: 'theirs' });
    expect(sent[0]?.body).not.toHaveProperty('stream_options');
  });

  it('merges the provider body options (AI Gateway routing) into the body', () => {
    const { body } = openAIChatProtocol.rewrite(
      {
        model: 'x',
        messages: [],
        providerOptions: { gateway: { tags: ['mine'] }, other: { a: 1 } },
      },
      owned,
      { ...endpoint, bodyOptions: { providerOptions: { gateway: { order: ['bedrock'] } } } },
    );
    expect(body.providerOptions).toEqual({
      gateway: { tags: ['mine'], order: ['bedrock'] },
      other: { a: 1 },
    });
  });

  it('passes the bytes on unchanged when the client asked for usage, and settles on the reported usage', async () => {
    const { fetch } = upstream(answer);
    const relayed = await attempt({ ...streamed, stream_options: { include_usage: true } }, fetch);
    expect(await relayed.response.text()).toBe(answer.join(''));
    expect(relayed.response.headers.get('content-type')).toContain('text/event-stream');
    const outcome = await relayed.outcome;
    expect(outcome).toMatchObject({
      ending: 'finished',
      usageSource: 'provider',
      usage: { inputTokens: 7, outputTokens: 3, cacheReadTokens: 2, totalTokens: 10 },
    });
  });

  it('holds back the usage chunk the client did not ask for, and nothing else', async () => {
    const { fetch } = upstream(answer);
    const relayed = await attempt(streamed, fetch);
    expect(await relayed.response.text()).toBe(
      answer.filter((piece) => piece !== usageChunk).join(''),
    );
    expect((await relayed.outcome).usage.outputTokens).toBe(3);
  });

  it('relays events split across chunks and CRLF line ends', async () => {
    const whole = answer.join('').replaceAll('\n', '\r\n');
    const pieces = whole.match(/[\s\S]{1,7}/g) ?? [];
    const { fetch } = upstream(pieces);
    const relayed = await attempt(streamed, fetch);
    const text = await relayed.response.text();
    expect(text).toContain('" one"');
    expect(text).toContain('[DONE]');
    expect(text).not.toContain('prompt_tokens');
    expect((await relayed.outcome).ending).toBe('finished');
  });

  it("ends a cut stream with an error event saying the provider's stream ended early, and counts the output", async () => {
    const { fetch } = upstream(answer.slice(0, 3), { cut: true });
    const relayed = await attempt(streamed, fetch);
    const text = await relayed.response.text();
    expect(text).toContain('" two"');
    const last = text.trim().split('\n\n').at(-1) ?? '';
    expect(JSON.parse(last.replace(/^data: /, ''))).toMatchObject({
      error: { code: 'upstream_error', message: "The provider's stream ended early." },
    });
    expect(text).not.toContain('[DONE]');
    const outcome = await relayed.outcome;
    expect(outcome).toMatchObject({ ending: 'failed', usageSource: 'counted' });
    expect(outcome.usage).toMatchObject({ inputTokens: 9, outputTokens: 2 });
  });

  it('treats a stream that closes without [DONE] as cut', async () => {
    const { fetch } = upstream(answer.slice(0, 4));
    const relayed = await attempt(streamed, fetch);
    expect(await relayed.response.text()).toContain('ended early');
    expect((await relayed.outcome).ending).toBe('failed');
  });

  it('bills an aborted stream the input estimate plus the output streamed', async () => {
    const controller = new AbortController();
    const { fetch } = upstream([...answer.slice(0, 3)], { cut: false });
    // The upstream stays open after the two words: the client goes away meanwhile.
    const hanging: typeof globalThis.fetch = async (input, init) => {
      const response = await fetch(input, init);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const body = new ReadableStream<Uint8Array>({
        async pull(stream) {
          const next = await reader.read();
          if (next.done) return new Promise(() => {});
          stream.enqueue(next.value);
        },
      });
      return new Response(body, { headers: response.headers });
    };
    const relayed = await attempt(streamed, hanging, controller.signal);
    const reader = (relayed.response.body as ReadableStream<Uint8Array>).getReader();
    // The opening chunk, ` one`, ` two`: then the client goes away.
    for (let read = 0; read < 3; read++) await reader.read();
    controller.abort();
    await reader.cancel();
    const outcome = await relayed.outcome;
    expect(outcome.ending).toBe('aborted');
    expect(outcome.usage).toMatchObject({ inputTokens: 9, outputTokens: 2 });
  });

  it('relays a non-streaming answer as sent, with its usage', async () => {
    const completion = JSON.stringify({
      id: 'x',
      object: 'chat.completion',
      choices: [
        { index: 0, message: { role: 'assistant', content: 'hello' }, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5 },
    });
    const { fetch } = upstream([completion]);
    const relayed = await attempt({ ...streamed, stream: false }, fetch);
    expect(await relayed.response.text()).toBe(completion);
    expect(await relayed.outcome).toMatchObject({
      ending: 'finished',
      usage: { inputTokens: 4, outputTokens: 1 },
      text: 'hello',
    });
  });

  it('turns a provider 400 into the same status with its message, not to be retried', async () => {
    const body = JSON.stringify({
      error: {
        message:
          'Invalid schema for response_format at https://internal.example/x with key sk-abcdefghijkl',
        param: 'response_format',
      },
    });
    const { fetch } = upstream([body], { status: 400 });
    const error = await attempt(streamed, fetch).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({
      status: 400,
      param: 'response_format',
      retryable: false,
      shouldRetry: false,
    });
    const message = (error as GatewayError).message;
    expect(message).toContain('Invalid schema for response_format');
    expect(message).not.toContain('internal.example');
    expect(message).not.toContain('sk-abcdefghijkl');
  });

  it("turns a refusal of the gateway's credentials into a 502 that is not to be retried", async () => {
    const { fetch } = upstream(['{"error":{"message":"bad key"}}'], { status: 401 });
    const error = await attempt(streamed, fetch).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      status: 502,
      retryable: false,
      shouldRetry: false,
      upstreamStatus: 401,
    });
  });

  it('keeps a 429 retryable with its Retry-After', async () => {
    const { fetch } = upstream(['{}'], { status: 429, headers: { 'retry-after': '7' } });
    const error = await attempt(streamed, fetch).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      status: 502,
      retryable: true,
      shouldRetry: true,
      retryAfterSeconds: 7,
    });
  });

  it("rejects with the router's reason when its signal abandons the attempt before the answer", async () => {
    const router = new AbortController();
    const timeout = new GatewayError('upstream_timeout', 'No first token within 30 ms.', {
      retryable: true,
    });
    const { fetch } = upstream([chunk({ role: 'assistant', content: '' })]);
    const silent: typeof globalThis.fetch = async (input, init) => {
      const response = await fetch(input, init);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const body = new ReadableStream<Uint8Array>({
        async pull(stream) {
          const next = await reader.read();
          if (!next.done) return stream.enqueue(next.value);
          // Nothing more comes: the router gives up, which aborts the upstream request.
          router.abort(timeout);
          throw new DOMException('aborted', 'AbortError');
        },
      });
      return new Response(body, { headers: response.headers });
    };
    const error = await relayAttempt({
      source: { protocol: openAIChatProtocol, body: streamed },
      endpoint,
      owned,
      inputTokenEstimate: 9,
      attemptSignal: router.signal,
      signal: undefined,
      answerTimeoutMs: 1_000,
      fetch: silent,
    }).catch((caught: unknown) => caught);
    expect(error).toBe(timeout);
  });
});

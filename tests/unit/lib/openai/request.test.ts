import { describe, expect, it } from 'vitest';
import { GatewayError } from '@/lib/errors';
import { parseRequest } from '@/lib/http/parse-request';
import { chatCompletionRequestSchema, toChatRequest } from '@/lib/openai/request';

function convert(body: unknown) {
  return toChatRequest(parseRequest(chatCompletionRequestSchema, body));
}

function rejection(body: unknown): { code: string; param: string | null; message: string } {
  try {
    convert(body);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

const user = { role: 'user', content: 'hi' };

describe('OpenAI chat completion requests', () => {
  it('maps the sampling options and prefers max_completion_tokens', () => {
    const request = convert({
      model: 'demo/chat',
      messages: [{ role: 'developer', content: 'be terse' }, user],
      max_tokens: 10,
      max_completion_tokens: 20,
      temperature: 0.5,
      top_p: 0.9,
      stop: 'END',
      user: 'end-user-1',
      n: 1,
    });
    expect(request).toMatchObject({
      model: 'demo/chat',
      maxOutputTokens: 20,
      temperature: 0.5,
      topP: 0.9,
      stopSequences: ['END'],
      user: 'end-user-1',
    });
    expect(request.messages).toEqual([
      { role: 'system', content: 'be terse' },
      { role: 'user', content: 'hi' },
    ]);
  });

  it('turns text and image parts into model message parts', () => {
    const request = convert({
      model: 'demo/chat',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
      ],
    });
    const content = request.messages[0]?.content;
    expect(Array.isArray(content) && content[0]).toEqual({ type: 'text', text: 'What is this?' });
    expect(Array.isArray(content) && content[1]).toMatchObject({
      type: 'file',
      mediaType: 'image/png',
    });
  });

  it('carries tool calls and tool results both ways', () => {
    const request = convert({
      model: 'demo/chat',
      messages: [
        user,
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"celsius":4}' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        },
      ],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    expect(request.messages[1]).toEqual({
      role: 'assistant',
      content: [
        {
          type: 'tool-call',
          toolCallId: 'call_1',
          toolName: 'get_weather',
          input: { city: 'Oslo' },
        },
      ],
    });
    expect(request.messages[2]).toEqual({
      role: 'tool',
      content: [
        {
          type: 'tool-result',
          toolCallId: 'call_1',
          toolName: 'get_weather',
          output: { type: 'text', value: '{"celsius":4}' },
        },
      ],
    });
    expect(Object.keys(request.tools ?? {})).toEqual(['get_weather']);
    expect(request.toolChoice).toEqual({ type: 'tool', toolName: 'get_weather' });
  });

  it.each([
    ['n other than 1', { model: 'm/x', messages: [user], n: 2 }, 'n'],
    [
      'a bad role',
      { model: 'm/x', messages: [{ role: 'wizard', content: 'x' }] },
      'messages[0].role',
    ],
    ['no model', { messages: [user] }, 'model'],
    [
      'a max_tokens that is not a positive integer',
      { model: 'm/x', messages: [user], max_tokens: 0 },
      'max_tokens',
    ],
    [
      'a temperature of the wrong type',
      { model: 'm/x', messages: [user], temperature: '1' },
      'temperature',
    ],
    [
      'a temperature that is an array',
      { model: 'm/x', messages: [user], temperature: [] },
      'temperature',
    ],
    [
      'a temperature out of range',
      { model: 'm/x', messages: [user], temperature: 9 },
      'temperature',
    ],
    ['a top_p out of range', { model: 'm/x', messages: [user], top_p: 1.5 }, 'top_p'],
    [
      'a presence_penalty of the wrong type',
      { model: 'm/x', messages: [user], presence_penalty: 'high' },
      'presence_penalty',
    ],
    [
      'a frequency_penalty out of range',
      { model: 'm/x', messages: [user], frequency_penalty: -3 },
      'frequency_penalty',
    ],
    ['a seed that is not an integer', { model: 'm/x', messages: [user], seed: 1.5 }, 'seed'],
    ['a stop that is not text', { model: 'm/x', messages: [user], stop: [7] }, 'stop'],
    ['a stream that is not a boolean', { model: 'm/x', messages: [user], stream: 'yes' }, 'stream'],
    ['tools that are not an array', { model: 'm/x', messages: [user], tools: 'all' }, 'tools'],
    [
      'a user message with no content',
      { model: 'm/x', messages: [{ role: 'user', content: null }] },
      'messages[0].content',
    ],
    [
      'an AI SDK UI message (parts, no content)',
      { model: 'm/x', messages: [{ role: 'user', parts: [{ type: 'text', text: 'hi' }] }] },
      'messages[0].content',
    ],
    [
      'content of the wrong type',
      { model: 'm/x', messages: [{ role: 'user', content: { text: 1 } }] },
      'messages[0].content',
    ],
    [
      'a content part with no type',
      { model: 'm/x', messages: [{ role: 'user', content: [{ type: 7 }] }] },
      'messages[0].content',
    ],
    [
      'a text part with no text',
      { model: 'm/x', messages: [{ role: 'user', content: [{ type: 'text' }] }] },
      'messages[0].content[0].text',
    ],
    [
      'a tool message with no tool_call_id',
      { model: 'm/x', messages: [user, { role: 'tool', content: 'x' }] },
      'messages[1].tool_call_id',
    ],
  ])('rejects %s with a 400 naming the field, whatever the target', (_name, body, param) => {
    const error = rejection(body);
    expect(error.code).toBe('invalid_request');
    expect(error.param).toBe(param);
  });

  it('names the UI message shape when a message has parts instead of content', () => {
    const error = rejection({ model: 'm/x', messages: [{ role: 'user', parts: [] }] });
    expect(error.message).toContain('/api/chat');
  });

  it('keeps every field it does not know, as written, for a relayed target', () => {
    const body = {
      model: 'm/x',
      messages: [
        { role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA' } }], x: 1 },
        { role: 'assistant', content: null, audio: { id: 'a' } },
      ],
      temperature: 0.2,
      logit_bias: { '50256': -100 },
      reasoning_effort: 'low',
      vendor_extension: { nested: [1, 'two'] },
    };
    expect(parseRequest(chatCompletionRequestSchema, structuredClone(body))).toEqual(body);
  });

  it.each([
    'data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=',
    'data:image/png;base64,not*base64',
    'data:image/png,rawtext',
    'javascript:alert(1)',
    'file:///etc/passwd',
    'http://127.0.0.1:9/cat.png',
    'http://169.254.169.254/latest/meta-data',
    'http://[::1]/x.png',
    'http://[::ffff:127.0.0.1]/x.png',
    'http://10.1.2.3/x.png',
    'http://192.168.0.1/x.png',
    'http://0.0.0.0/x.png',
    'http://metadata.internal/x.png',
    'http://localhost/x.png',
    'http://user:pass@example.com/x.png',
    'http://exa mple.com/x.png',
  ])('rejects the image URL %s with a 400 naming it, whatever the target', (url) => {
    const error = rejection({
      model: 'm/x',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }] }],
    });
    expect(error.code).toBe('invalid_request');
    expect(error.param).toBe('messages[0].content[0].image_url.url');
  });

  it.each([
    [
      'a field only the OpenAI protocol carries',
      { model: 'm/x', messages: [user], logit_bias: {} },
      'logit_bias',
    ],
    [
      'reasoning_effort',
      { model: 'm/x', messages: [user], reasoning_effort: 'low' },
      'reasoning_effort',
    ],
    [
      'a service tier other than auto',
      { model: 'm/x', messages: [user], service_tier: 'flex' },
      'service_tier',
    ],
    ['log probabilities', { model: 'm/x', messages: [user], logprobs: true }, 'logprobs'],
    [
      'an audio content part',
      {
        model: 'm/x',
        messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }],
      },
      'messages[0].content',
    ],
    [
      'a tool result with no matching call',
      { model: 'm/x', messages: [user, { role: 'tool', tool_call_id: 'nope', content: 'x' }] },
      'messages[1].tool_call_id',
    ],
    [
      'tool call arguments that are not JSON',
      {
        model: 'm/x',
        messages: [
          {
            role: 'assistant',
            tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{' } }],
          },
        ],
      },
      'messages[0].tool_calls',
    ],
  ])(
    'marks %s as untranslatable, naming the field, so only relayed targets serve it',
    (_name, body, param) => {
      const request = convert(body);
      expect(request.untranslatable?.code).toBe('invalid_request');
      expect(request.untranslatable?.param).toBe(param);
    },
  );

  it('maps response_format, parallel_tool_calls, strict, image detail and safety_identifier', () => {
    const schema = {
      type: 'object',
      properties: { answer: { type: 'string' } },
      required: ['answer'],
    };
    const request = convert({
      model: 'm/x',
      messages: [
        {
          role: 'user',
          name: 'alice',
          content: [
            { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } },
          ],
        },
      ],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'Answer', schema, strict: true },
      },
      parallel_tool_calls: false,
      safety_identifier: 'end-user-9',
      tools: [
        { type: 'function', function: { name: 'f', parameters: { type: 'object' }, strict: true } },
      ],
    });
    expect(request.untranslatable).toBeUndefined();
    expect(request.responseFormat).toEqual({
      type: 'json',
      name: 'Answer',
      schema,
      description: undefined,
    });
    expect(request.parallelToolCalls).toBe(false);
    expect(request.user).toBe('end-user-9');
    expect(request.tools?.f).toMatchObject({ strict: true });
    const content = request.messages[0]?.content;
    expect(Array.isArray(content) && content[0]).toMatchObject({
      type: 'file',
      providerOptions: { openai: { imageDetail: 'low' } },
    });
    expect(
      convert({ model: 'm/x', messages: [user], response_format: { type: 'json_object' } })
        .responseFormat,
    ).toEqual({ type: 'json', schema: { type: 'object' } });
  });

  it('accepts the fields that are harmless to ignore, and names on user and tool messages', () => {
    const request = convert({
      model: 'm/x',
      messages: [
        user,
        {
          role: 'assistant',
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'c', name: 'f', content: 'done' },
      ],
      store: false,
      metadata: { team: 'a' },
      service_tier: 'auto',
      logprobs: false,
      prompt_cache_key: 'k',
      stream: true,
      stream_options: { include_usage: true, include_obfuscation: false },
    });
    expect(request.untranslatable).toBeUndefined();
    expect(request.messages).toHaveLength(3);
  });

  it('counts a data: URL toward the input estimate by its size', () => {
    const image = (bytes: number) => ({
      model: 'm/x',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: `data:image/png;base64,${'A'.repeat(bytes)}` } },
          ],
        },
      ],
    });
    const small = convert(image(4)).inputTokenEstimate ?? 0;
    const large = convert(image(400_000)).inputTokenEstimate ?? 0;
    expect(large - small).toBeGreaterThanOrEqual(390);
  });
});

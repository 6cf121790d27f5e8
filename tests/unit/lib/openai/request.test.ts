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
    ['an unsupported field', { model: 'm/x', messages: [user], logit_bias: {} }, ''],
    [
      'a bad role',
      { model: 'm/x', messages: [{ role: 'wizard', content: 'x' }] },
      'messages[0].role',
    ],
    [
      'a bad content part',
      { model: 'm/x', messages: [{ role: 'user', content: [{ type: 'audio', data: 'x' }] }] },
      'messages[0].content',
    ],
    ['no model', { messages: [user] }, 'model'],
    [
      'a temperature of the wrong type',
      { model: 'm/x', messages: [user], temperature: '1' },
      'temperature',
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
  ])('rejects %s with a 400 naming the field', (_name, body, param) => {
    const error = rejection(body);
    expect(error.code).toBe('invalid_request');
    if (param) expect(error.param).toBe(param);
    else expect(error.message).toContain('logit_bias');
  });
});

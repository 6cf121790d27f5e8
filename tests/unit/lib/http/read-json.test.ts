import { describe, expect, it } from 'vitest';
import { chatBodySchema } from '@/lib/chat/chat-request';
import { GatewayError } from '@/lib/errors';
import { parseRequest } from '@/lib/http/parse-request';
import { readJsonBody } from '@/lib/http/read-json';

function post(body: BodyInit, headers?: HeadersInit) {
  return new Request('http://localhost/api/chat', { method: 'POST', body, headers });
}

async function codeOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayError) return error.code;
    throw error;
  }
  return 'ok';
}

describe('readJsonBody', () => {
  it('parses a JSON body', async () => {
    expect(await readJsonBody(post('{"a":[1,"é"]}'), 100)).toEqual({ a: [1, 'é'] });
  });

  it('rejects bodies that are not JSON', async () => {
    expect(await codeOf(readJsonBody(post('{"a":'), 100))).toBe('invalid_json');
    expect(await codeOf(readJsonBody(post(''), 100))).toBe('invalid_json');
  });

  it('rejects a body over the limit, whatever Content-Length claims', async () => {
    expect(await codeOf(readJsonBody(post('x'.repeat(101)), 100))).toBe('payload_too_large');
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let index = 0; index < 10; index++) controller.enqueue(new Uint8Array(20).fill(32));
        controller.close();
      },
    });
    const request = new Request('http://localhost/', {
      method: 'POST',
      body: streamed,
      headers: { 'content-length': '5' },
      duplex: 'half',
    } as RequestInit);
    expect(await codeOf(readJsonBody(request, 100))).toBe('payload_too_large');
  });
});

describe('parseRequest with the chat body schema', () => {
  function paramOf(body: unknown) {
    try {
      parseRequest(chatBodySchema, body);
    } catch (error) {
      expect(error).toBeInstanceOf(GatewayError);
      expect((error as GatewayError).code).toBe('invalid_request');
      return (error as GatewayError).param;
    }
    return 'accepted';
  }

  it('names the field at fault', () => {
    expect(paramOf({})).toBe('messages');
    expect(paramOf({ messages: [] })).toBe('messages');
    expect(paramOf({ messages: 'hi' })).toBe('messages');
    expect(paramOf({ messages: [{ role: 'wizard', content: 'x' }] })).toBe('messages[0].role');
    expect(paramOf({ messages: [{ role: 'user' }] })).toBe('messages[0]');
    expect(paramOf({ messages: [{ role: 'user', content: 'x' }], temperature: 'hot' })).toBe(
      'temperature',
    );
    expect(paramOf({ messages: [{ role: 'user', content: 'x' }], maxOutputTokens: -1 })).toBe(
      'maxOutputTokens',
    );
  });

  it('accepts plain and UI messages', () => {
    expect(paramOf({ messages: [{ role: 'user', content: 'hi' }] })).toBe('accepted');
    expect(
      paramOf({ messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'hi' }] }] }),
    ).toBe('accepted');
  });
});

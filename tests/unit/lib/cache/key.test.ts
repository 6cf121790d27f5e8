import { describe, expect, it } from 'vitest';
import { type CacheKeyInput, cacheKeyOf, cacheTenantOf, canonicalJson } from '@/lib/cache/key';

const base: CacheKeyInput = {
  tenant: cacheTenantOf({ userId: 'alice' }),
  api: 'openai',
  model: 'test/model',
  body: {
    model: 'test/model',
    messages: [{ role: 'user', content: 'hi' }],
    temperature: 0.2,
    stream: true,
    stream_options: { include_usage: true },
  },
};

const keyWith = (change: Partial<CacheKeyInput>) => cacheKeyOf({ ...base, ...change });
const bodyWith = (fields: Record<string, unknown>) => ({
  ...(base.body as Record<string, unknown>),
  ...fields,
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: undefined } })).toBe(
      '{"a":{"d":[2,{"e":0,"f":1}]},"b":1}',
    );
  });
});

describe('cacheKeyOf', () => {
  it('is a SHA-256 in hex, the same for the same request', async () => {
    const key = await cacheKeyOf(base);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(await cacheKeyOf(structuredClone(base))).toBe(key);
  });

  it('does not depend on the order of the body fields', async () => {
    const body = base.body as Record<string, unknown>;
    const reversed = Object.fromEntries(Object.entries(body).reverse());
    expect(await keyWith({ body: reversed })).toBe(await cacheKeyOf(base));
  });

  it.each([
    ['another temperature', { temperature: 0.3 }],
    ['another message', { messages: [{ role: 'user', content: 'hello' }] }],
    [
      'a system prompt',
      {
        messages: [
          { role: 'system', content: 'x' },
          { role: 'user', content: 'hi' },
        ],
      },
    ],
    ['no stream', { stream: false }],
    ['no usage chunk', { stream_options: { include_usage: false } }],
    ['an output cap', { max_tokens: 10 }],
    ['tools', { tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] }],
    ['a seed', { seed: 1 }],
    ['a response format', { response_format: { type: 'json_object' } }],
  ])('differs for %s', async (_name, fields) => {
    expect(await keyWith({ body: bodyWith(fields) })).not.toBe(await cacheKeyOf(base));
  });

  it.each([
    ['another tenant', { tenant: cacheTenantOf({ userId: 'bob' }) }],
    ['a team tenant', { tenant: cacheTenantOf({ userId: 'alice', teamId: 'alice' }) }],
    ['another wire API', { api: 'responses' as const }],
    ['another catalog model', { model: 'test/other' }],
    ['a forwarded header', { headers: { 'anthropic-beta': 'x' } }],
  ])('differs for %s', async (_name, change) => {
    expect(await keyWith(change)).not.toBe(await cacheKeyOf(base));
  });

  it.each([
    ['the end-user id', { user: 'end-user-7' }],
    ['metadata', { metadata: { feature: 'chat' } }],
    ['store', { store: true }],
    ['a prompt-cache key', { prompt_cache_key: 'k' }],
    ['a safety identifier', { safety_identifier: 's' }],
    ['the model as written (an alias)', { model: 'alias-of-test-model' }],
  ])('is the same whatever %s', async (_name, fields) => {
    expect(await keyWith({ body: bodyWith(fields) })).toBe(await cacheKeyOf(base));
  });

  it('ignores UI message ids on /api/chat, but not their content', async () => {
    const chat = (id: string, text: string) =>
      cacheKeyOf({
        ...base,
        api: 'chat',
        body: { messages: [{ id, role: 'user', parts: [{ type: 'text', text }] }] },
      });
    expect(await chat('msg-1', 'hi')).toBe(await chat('msg-2', 'hi'));
    expect(await chat('msg-1', 'hi')).not.toBe(await chat('msg-1', 'hello'));
  });

  it('keeps Anthropic metadata out but the rest of the body in', async () => {
    const anthropic = (fields: Record<string, unknown>) =>
      cacheKeyOf({ ...base, api: 'anthropic', body: { max_tokens: 100, ...fields } });
    expect(await anthropic({ metadata: { user_id: 'a' } })).toBe(await anthropic({}));
    expect(await anthropic({ max_tokens: 101 })).not.toBe(await anthropic({}));
  });
});

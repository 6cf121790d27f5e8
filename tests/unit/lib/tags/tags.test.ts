import { describe, expect, it } from 'vitest';
import { GatewayError } from '@/lib/errors';
import { maxTags } from '@/lib/tags/tag-pattern';
import { checkRequiredTags, parseTags, readRequestTags, tagHeader } from '@/lib/tags/tags';

/** The 400 a call throws, as `{ code, param, message }`. */
function refusalOf(call: () => unknown) {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    const { code, param, message, status } = error as GatewayError;
    return { code, param, message, status };
  }
  throw new Error('expected a refusal');
}

describe('parseTags', () => {
  it('reads the header, comma-separated, trimmed, empty elements ignored', () => {
    expect(parseTags({ header: ' feature:chat ,env:prod,, team/search-v2 ,' })).toEqual([
      'feature:chat',
      'env:prod',
      'team/search-v2',
    ]);
    expect(parseTags({ header: null })).toEqual([]);
    expect(parseTags({ header: '' })).toEqual([]);
  });

  it('maps each metadata entry to key:value, an empty value to the key alone', () => {
    expect(
      parseTags({ header: null, metadata: { feature: 'chat', env: 'prod', beta: '' } }),
    ).toEqual(['feature:chat', 'env:prod', 'beta']);
    expect(parseTags({ header: null, metadata: null })).toEqual([]);
  });

  it('drops duplicates across header and metadata, keeping the first order', () => {
    expect(
      parseTags({
        header: 'env:prod,feature:chat,env:prod',
        metadata: { feature: 'chat', a: 'b' },
      }),
    ).toEqual(['env:prod', 'feature:chat', 'a:b']);
  });

  it('keeps colons inside a tag: the name is everything but the separators', () => {
    expect(parseTags({ header: 'route:/v1:chat' })).toEqual(['route:/v1:chat']);
  });

  it.each([
    ['Feature:Chat', 'uppercase'],
    ['feature chat', 'a space'],
    ['-leading', 'a leading dash'],
    [':leading', 'a leading colon'],
    ['a'.repeat(65), 'over 64 characters'],
    ['emoji:🙂', 'non-ASCII'],
    ['quote"', 'a quote'],
  ])('refuses %j (%s) naming the header', (tag) => {
    expect(refusalOf(() => parseTags({ header: `ok,${tag}` }))).toMatchObject({
      code: 'invalid_request',
      status: 400,
      param: tagHeader,
    });
  });

  it('accepts a tag of exactly 64 characters', () => {
    expect(parseTags({ header: 'a'.repeat(64) })).toEqual(['a'.repeat(64)]);
  });

  it('names the metadata entry at fault', () => {
    expect(
      refusalOf(() => parseTags({ header: null, metadata: { Feature: 'chat' } })),
    ).toMatchObject({ param: 'metadata.Feature' });
    expect(refusalOf(() => parseTags({ header: null, metadata: { team: 'A B' } }))).toMatchObject({
      param: 'metadata.team',
    });
    expect(refusalOf(() => parseTags({ header: null, metadata: { n: 3 } }))).toMatchObject({
      param: 'metadata.n',
    });
    expect(refusalOf(() => parseTags({ header: null, metadata: ['a'] }))).toMatchObject({
      param: 'metadata',
    });
    expect(refusalOf(() => parseTags({ header: null, metadata: 'a:b' }))).toMatchObject({
      param: 'metadata',
    });
  });

  it(`allows ${maxTags} distinct tags and refuses one more`, () => {
    const tags = Array.from({ length: maxTags }, (_, index) => `t${index}`);
    expect(parseTags({ header: [...tags, 't0'].join(',') })).toEqual(tags);
    expect(refusalOf(() => parseTags({ header: [...tags, 'extra'].join(',') }))).toMatchObject({
      param: tagHeader,
    });
  });

  it('blames the metadata when its entries push a valid header over the limit', () => {
    const header = Array.from({ length: maxTags }, (_, index) => `t${index}`).join(',');
    expect(refusalOf(() => parseTags({ header, metadata: { one: 'more' } }))).toMatchObject({
      param: 'metadata',
    });
  });
});

describe('checkRequiredTags', () => {
  it('is met by a tag with the required key, or by the exact tag', () => {
    expect(() =>
      checkRequiredTags(['feature:chat', 'env:prod'], ['feature', 'env:prod']),
    ).not.toThrow();
    expect(() => checkRequiredTags(['feature'], ['feature'])).not.toThrow();
    expect(() => checkRequiredTags([], [])).not.toThrow();
    expect(() => checkRequiredTags([], undefined)).not.toThrow();
  });

  it('is not met by a tag that only starts with the same letters', () => {
    expect(refusalOf(() => checkRequiredTags(['features:chat'], ['feature']))).toMatchObject({
      code: 'invalid_request',
      param: tagHeader,
    });
    expect(refusalOf(() => checkRequiredTags(['env:production'], ['env:prod']))).toMatchObject({
      param: tagHeader,
    });
  });

  it('names every missing entry', () => {
    const { message } = refusalOf(() => checkRequiredTags(['a:b'], ['feature', 'team']));
    expect(message).toContain('"feature"');
    expect(message).toContain('"team"');
  });
});

describe('readRequestTags', () => {
  const request = (header?: string) =>
    new Request('http://tollgate.test/api/v1/chat/completions', {
      method: 'POST',
      headers: header === undefined ? {} : { [tagHeader]: header },
    });

  it('reads metadata only where the endpoint says so', () => {
    const body = { model: 'm', metadata: { feature: 'chat' } };
    expect(readRequestTags(request('env:prod'), body, { fromMetadata: true })).toEqual([
      'env:prod',
      'feature:chat',
    ]);
    expect(readRequestTags(request('env:prod'), body, { fromMetadata: false })).toEqual([
      'env:prod',
    ]);
    // Anthropic's metadata holds `user_id`, not tags: never read there.
    expect(
      readRequestTags(request(), { metadata: { user_id: 'Session 1' } }, { fromMetadata: false }),
    ).toEqual([]);
  });

  it('checks the required tags against both sources', () => {
    const body = { metadata: { feature: 'chat' } };
    expect(readRequestTags(request(), body, { fromMetadata: true, required: ['feature'] })).toEqual(
      ['feature:chat'],
    );
    expect(
      refusalOf(() =>
        readRequestTags(request(), body, { fromMetadata: false, required: ['feature'] }),
      ),
    ).toMatchObject({ param: tagHeader });
  });
});

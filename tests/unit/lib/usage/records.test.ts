import { describe, expect, it } from 'vitest';
import { parseRequest } from '@/lib/http/parse-request';
import type { RequestLogEntry } from '@/lib/limits/budget';
import { redisKeys } from '@/lib/limits/keys';
import {
  decodeCursor,
  encodeCursor,
  listRecords,
  type RecordsQuery,
  recordsQuerySchema,
} from '@/lib/usage/records';
import { FakeUsageRedis, logEntry } from './fake-usage-redis';

const start = Date.parse('2026-03-15T12:00:00.000Z');
const query = (fields: Record<string, string> = {}): RecordsQuery =>
  parseRequest(recordsQuerySchema, fields);

/** Every page from the first, following `nextCursor`; the ids in the order read. */
async function readAllPages(redis: FakeUsageRedis, userId: string, fields: Record<string, string>) {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await listRecords(
      redis,
      userId,
      query({ ...fields, ...(cursor ? { cursor } : {}) }),
    );
    ids.push(...page.records.map((record) => record.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

describe('records cursor', () => {
  it('round-trips, and refuses what it did not make', () => {
    const cursor = { at: start, id: 'req_1f3a' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    for (const text of ['', 'not base64!', btoa('[1]'), btoa('["1","x"]'), btoa('{}')]) {
      expect(decodeCursor(text)).toBeUndefined();
    }
  });
});

describe('recordsQuerySchema', () => {
  it('defaults to 50 per page and reads times as ISO 8601 or epoch ms', () => {
    expect(query()).toMatchObject({ limit: 50 });
    expect(query({ from: '2026-03-01', to: '2026-03-15T12:00:00Z' })).toMatchObject({
      from: Date.parse('2026-03-01T00:00:00Z'),
      to: start,
    });
    expect(query({ from: String(start), to: '2026-03-15T13:00:00.5+01:00' })).toMatchObject({
      from: start,
      to: start + 500,
    });
  });

  it.each([
    [{ limit: '0' }, 'limit'],
    [{ limit: '201' }, 'limit'],
    [{ limit: '2.5' }, 'limit'],
    [{ limit: 'ten' }, 'limit'],
    [{ cursor: 'garbage' }, 'cursor'],
    [{ status: 'done' }, 'status'],
    [{ tag: 'Bad Tag' }, 'tag'],
    [{ from: 'yesterday' }, 'from'],
    // Without an offset a time would be read in the server's zone.
    [{ to: '2026-03-15T12:00:00' }, 'to'],
    [{ from: '2026-03-15', to: '2026-03-15' }, 'to'],
    [{ userId: 'a:b' }, 'userId'],
  ])('refuses %j naming %s', (fields, param) => {
    expect(() => query(fields)).toThrowError(expect.objectContaining({ status: 400, param }));
  });
});

describe('listRecords', () => {
  it('lists newest first by arrival, not by when requests settled', async () => {
    const redis = new FakeUsageRedis();
    // A long request that arrived first settles last: the log (LPUSH) has it on top.
    redis.settle('ana', logEntry({ id: 'b', at: start + 2 }));
    redis.settle('ana', logEntry({ id: 'c', at: start + 3 }));
    redis.settle('ana', logEntry({ id: 'a', at: start + 1 }));
    const page = await listRecords(redis, 'ana', query());
    expect(page.records.map((record) => record.id)).toEqual(['c', 'b', 'a']);
    expect(page.records[0]?.costUsd).toBe(0.001);
    expect(page.nextCursor).toBeNull();
  });

  it('pages through everything exactly once, same-millisecond ties included', async () => {
    const redis = new FakeUsageRedis();
    const expected: string[] = [];
    for (let index = 0; index < 23; index++) {
      // Three requests share each millisecond.
      const entry = logEntry({ at: start + Math.floor(index / 3) });
      redis.settle('ben', entry);
      expected.push(entry.id);
    }
    const ids = await readAllPages(redis, 'ben', { limit: '4' });
    expect(ids).toHaveLength(23);
    expect(new Set(ids).size).toBe(23);
    expect(new Set(ids)).toEqual(new Set(expected));
  });

  it('neither repeats nor skips when requests settle between two pages', async () => {
    const redis = new FakeUsageRedis();
    const older = Array.from({ length: 10 }, (_, index) =>
      logEntry({ id: `old-${String(index).padStart(2, '0')}`, at: start + index }),
    );
    for (const entry of older) redis.settle('cy', entry);
    const seen: string[] = [];
    let page = await listRecords(redis, 'cy', query({ limit: '3' }));
    seen.push(...page.records.map((record) => record.id));
    let arrivals = 0;
    while (page.nextCursor) {
      // New requests between every two pages, and one that arrived long ago but settles now.
      redis.settle('cy', logEntry({ id: `new-${arrivals++}`, at: start + 1_000 + arrivals }));
      if (arrivals === 1) redis.settle('cy', logEntry({ id: 'late', at: start - 60_000 }));
      page = await listRecords(redis, 'cy', query({ limit: '3', cursor: page.nextCursor }));
      seen.push(...page.records.map((record) => record.id));
    }
    // Newer arrivals belong before the first page; the late one, older than all, comes last.
    expect(seen).toEqual([...older.map((entry) => entry.id).reverse(), 'late']);
  });

  it('filters by model, status, tag and time, and pages within the filter', async () => {
    const redis = new FakeUsageRedis();
    const entries: RequestLogEntry[] = [
      logEntry({ id: 'e1', at: start - 2_000, model: 'demo/chat', tags: ['feature:chat'] }),
      logEntry({ id: 'e2', at: start - 1_000, status: 'error', tags: ['feature:chat'] }),
      logEntry({ id: 'e3', at: start, tags: ['feature:search', 'env:prod'] }),
      logEntry({ id: 'e4', at: start + 1_000, tags: ['feature:chat', 'env:prod'] }),
      logEntry({ id: 'e5', at: start + 2_000, status: 'aborted' }),
    ];
    for (const entry of entries) redis.settle('dee', entry);
    const ids = async (fields: Record<string, string>) =>
      (await listRecords(redis, 'dee', query(fields))).records.map((record) => record.id);
    expect(await ids({ model: 'demo/chat' })).toEqual(['e1']);
    expect(await ids({ status: 'ok' })).toEqual(['e4', 'e3', 'e1']);
    expect(await ids({ tag: 'feature:chat' })).toEqual(['e4', 'e2', 'e1']);
    expect(await ids({ tag: 'feature' })).toEqual([]);
    expect(await ids({ from: String(start), to: String(start + 2_000) })).toEqual(['e4', 'e3']);
    expect(await readAllPages(redis, 'dee', { tag: 'feature:chat', limit: '1' })).toEqual([
      'e4',
      'e2',
      'e1',
    ]);
  });

  it('answers an empty page for a user with no requests, and skips unreadable lines', async () => {
    const redis = new FakeUsageRedis();
    expect(await listRecords(redis, 'nobody', query())).toEqual({ records: [], nextCursor: null });
    redis.lists.set(redisKeys.requestLog('eve'), ['not json', logEntry({ id: 'ok', at: start })]);
    expect((await listRecords(redis, 'eve', query())).records.map((record) => record.id)).toEqual([
      'ok',
    ]);
  });

  it('reads the log in one round trip', async () => {
    const redis = new FakeUsageRedis();
    await listRecords(redis, 'fay', query());
    expect(redis.roundTrips).toBe(1);
  });
});

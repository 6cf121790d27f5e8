import { z } from 'zod';
import { fromBase64Url, toBase64Url } from '@/lib/auth/encoding';
import type { RequestLogEntry } from '@/lib/limits/budget';
import { redisKeys } from '@/lib/limits/keys';
import { tagPattern } from '@/lib/tags/tag-pattern';
import { usageQuerySchema } from './access';
import { microUsdToUsd } from './cost';
import { parseLogEntry, type UsageRedis, type UsageRequest } from './queries';

/** The request log keeps a user's latest 200 requests (lib/limits/budget.ts); a page holds at most all of them. */
export const maxRecordsPerPage = 200;
export const defaultRecordsPerPage = 50;

/** Where a page ends: the last record's arrival time and id, an order no new request changes. */
export interface RecordsCursor {
  at: number;
  id: string;
}

export function encodeCursor({ at, id }: RecordsCursor): string {
  return toBase64Url(new TextEncoder().encode(JSON.stringify([at, id])));
}

export function decodeCursor(text: string): RecordsCursor | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(fromBase64Url(text)));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [at, id] = value as unknown[];
    return Number.isSafeInteger(at) && typeof id === 'string'
      ? { at: at as number, id }
      : undefined;
  } catch {
    return undefined;
  }
}

// A date is UTC midnight; a time must say its offset, or it would be read in the server's zone.
const isoTime = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** ISO 8601 (`2026-12-01`, `2026-12-01T08:00:00Z`) or epoch milliseconds. */
const timeParam = z.string().transform((text, context) => {
  const time = /^\d{1,15}$/.test(text) ? Number(text) : isoTime.test(text) ? Date.parse(text) : NaN;
  if (Number.isFinite(time)) return time;
  context.addIssue({
    code: 'custom',
    message: 'must be an ISO 8601 date or time with its offset, or epoch milliseconds',
  });
  return z.NEVER;
});

export const recordsQuerySchema = z
  .object({
    limit: z.coerce
      .number()
      .int('must be a whole number')
      .min(1)
      .max(maxRecordsPerPage)
      .default(defaultRecordsPerPage),
    cursor: z
      .string()
      .transform((text, context) => {
        const cursor = decodeCursor(text);
        if (cursor) return cursor;
        context.addIssue({ code: 'custom', message: 'is not a cursor this endpoint returned' });
        return z.NEVER;
      })
      .optional(),
    model: z.string().min(1).max(256).optional(),
    status: z.enum(['ok', 'aborted', 'error']).optional(),
    tag: z.string().regex(tagPattern, 'is not a valid tag').optional(),
    /** Inclusive. */
    from: timeParam.optional(),
    /** Exclusive. */
    to: timeParam.optional(),
    userId: usageQuerySchema.shape.userId,
  })
  .refine((query) => query.from === undefined || query.to === undefined || query.from < query.to, {
    message: 'must be after `from`',
    path: ['to'],
  });

export type RecordsQuery = z.infer<typeof recordsQuerySchema>;

export interface RecordsPage {
  /** Newest first: by arrival time, then id. */
  records: UsageRequest[];
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

/** Newest first by arrival, ties by id: a total order, so pages neither overlap nor skip. */
function compareNewestFirst(a: RecordsCursor, b: RecordsCursor): number {
  if (a.at !== b.at) return b.at - a.at;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

function matches(entry: RequestLogEntry, query: RecordsQuery): boolean {
  return (
    (query.cursor === undefined || compareNewestFirst(query.cursor, entry) < 0) &&
    (query.model === undefined || entry.model === query.model) &&
    (query.status === undefined || entry.status === query.status) &&
    (query.tag === undefined || (entry.tags?.includes(query.tag) ?? false)) &&
    (query.from === undefined || entry.at >= query.from) &&
    (query.to === undefined || entry.at < query.to)
  );
}

/**
 * One page of a user's request log. The log is ordered by when requests settled, not arrived,
 * so it is read whole (at most 200 entries, one round trip) and sorted; the cursor is a position
 * in that order, so requests settled between two pages never shift the pages that follow.
 */
export async function listRecords(
  redis: Pick<UsageRedis, 'lrange'>,
  userId: string,
  query: RecordsQuery,
): Promise<RecordsPage> {
  const lines = await redis.lrange(redisKeys.requestLog(userId), 0, -1);
  const matching = lines
    .map(parseLogEntry)
    .filter((entry): entry is RequestLogEntry => entry !== undefined && matches(entry, query))
    .sort(compareNewestFirst);
  const page = matching.slice(0, query.limit);
  const last = page.at(-1);
  return {
    records: page.map((entry) => ({ ...entry, costUsd: microUsdToUsd(entry.costMicroUsd) })),
    nextCursor: last && matching.length > page.length ? encodeCursor(last) : null,
  };
}

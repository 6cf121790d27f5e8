import { GatewayError } from '@/lib/errors';
import { maxTags, tagPattern } from './tag-pattern';

/** The request header that carries a request's tags, comma-separated. */
export const tagHeader = 'x-tollgate-tags';

const tagRule = 'a tag is 1-64 of a-z 0-9 _ . : / - and starts with a letter or digit';

/** Where a request's tags come from: the header, and on `/api/v1` the body's `metadata`. */
export interface TagSources {
  header: string | null;
  /** The body's `metadata` as sent; undefined where the endpoint does not read it. */
  metadata?: unknown;
}

/**
 * A request's tags: the header's, then one per `metadata` entry (`key: value` becomes
 * `key:value`, an empty value the key alone), duplicates dropped, order kept. A bad tag or too
 * many is a 400 whose `param` names where it came from.
 */
export function parseTags({ header, metadata }: TagSources): string[] {
  const tags = new Set<string>();
  for (const item of header?.split(',') ?? []) {
    const tag = item.trim();
    // HTTP list syntax allows empty elements ("a,,b", a trailing comma); they carry no tag.
    if (tag === '') continue;
    checkTag(tag, tagHeader);
    tags.add(tag);
  }
  const fromHeader = tags.size;
  for (const [key, value] of metadataEntries(metadata)) {
    const tag = value === '' ? key : `${key}:${value}`;
    checkTag(tag, `metadata.${key}`);
    tags.add(tag);
  }
  if (tags.size > maxTags) {
    // Within its own limit the header is not at fault: the metadata entries pushed it over.
    const param = fromHeader > maxTags ? tagHeader : 'metadata';
    throw new GatewayError(
      'invalid_request',
      `${param}: at most ${maxTags} tags per request, got ${tags.size}`,
      { param },
    );
  }
  return [...tags];
}

function checkTag(tag: string, param: string): void {
  if (tagPattern.test(tag)) return;
  const shown = tag.length > 80 ? `${tag.slice(0, 80)}…` : tag;
  throw new GatewayError(
    'invalid_request',
    `${param}: "${shown}" is not a valid tag (${tagRule})`,
    {
      param,
    },
  );
}

function metadataEntries(metadata: unknown): [string, string][] {
  if (metadata === undefined || metadata === null) return [];
  if (typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new GatewayError('invalid_request', 'metadata: must be an object of string values', {
      param: 'metadata',
    });
  }
  return Object.entries(metadata).map(([key, value]) => {
    if (typeof value !== 'string') {
      throw new GatewayError('invalid_request', `metadata.${key}: must be a string`, {
        param: `metadata.${key}`,
      });
    }
    return [key, value];
  });
}

/**
 * Whether `tags` satisfy a plan's `requiredTags`: each entry needs a tag equal to it or starting
 * with `<entry>:`, so an entry is a tag key (`feature` is met by `feature:chat`) or a whole tag
 * (`env:prod`). A missing one is a 400 naming the header.
 */
export function checkRequiredTags(tags: readonly string[], required: readonly string[] = []): void {
  const missing = required.filter(
    (entry) => !tags.some((tag) => tag === entry || tag.startsWith(`${entry}:`)),
  );
  if (missing.length === 0) return;
  throw new GatewayError(
    'invalid_request',
    `${tagHeader}: your plan requires a tag for ${missing.map((entry) => `"${entry}"`).join(', ')} (send e.g. \`${tagHeader}: ${missing[0]}:<value>\`)`,
    { param: tagHeader },
  );
}

/**
 * The tags of a chat request, checked against its plan's `requiredTags`: from the header, and
 * from the body's `metadata` where the endpoint's protocol has one (`/api/v1`). Reads no state,
 * so a refusal here changes none.
 */
export function readRequestTags(
  request: Request,
  body: unknown,
  { fromMetadata, required }: { fromMetadata: boolean; required?: readonly string[] },
): string[] {
  const metadata =
    fromMetadata && typeof body === 'object' && body !== null
      ? (body as { metadata?: unknown }).metadata
      : undefined;
  const tags = parseTags({ header: request.headers.get(tagHeader), metadata });
  checkRequiredTags(tags, required);
  return tags;
}

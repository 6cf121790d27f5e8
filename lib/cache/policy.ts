import type { CacheSettings, Config, Plan } from '@/lib/config';
import { ownEntry } from '@/lib/config';

/** What the response cache does for one request; `x-tollgate-cache` says which. */
export type CachePolicy =
  /** Neither the model nor the plan enables the cache: no lookup, no store, no header. */
  | { mode: 'off' }
  /** The client asked not to use it (`no-cache`, `no-store`): no lookup, no store. */
  | { mode: 'bypass' }
  | {
      mode: 'use';
      /** How old a stored answer this request accepts; 0 accepts none (but stores its own). */
      maxAgeMs: number;
      /** How long this request's own answer is kept. */
      ttlSeconds: number;
    };

/** What a request's `Cache-Control` asks of the cache. */
export interface CacheRequest {
  bypass: boolean;
  /** Seconds; absent when the client named no age. */
  maxAgeSeconds?: number;
}

/**
 * Reads the request directives that matter here: `no-cache` and `no-store` bypass, `max-age=N`
 * names the oldest answer wanted. A malformed `max-age` reads as 0 (no stored answer is fresh
 * enough, RFC 9111 §4.2.1), the smallest of several wins, and other directives are ignored.
 */
export function readCacheControl(header: string | null): CacheRequest {
  const request: CacheRequest = { bypass: false };
  for (const directive of (header ?? '').split(',')) {
    const [rawName = '', ...rest] = directive.split('=');
    const name = rawName.trim().toLowerCase();
    if (name === 'no-cache' || name === 'no-store') request.bypass = true;
    if (name !== 'max-age') continue;
    const value = rest
      .join('=')
      .trim()
      .replace(/^"(.*)"$/, '$1');
    const seconds = /^\d+$/.test(value) ? Number(value) : 0;
    request.maxAgeSeconds = Math.min(request.maxAgeSeconds ?? seconds, seconds);
  }
  return request;
}

/** The smaller of the model's and the plan's ages; absent when neither sets one. */
export function configuredMaxAge(
  ...settings: Array<CacheSettings | undefined>
): number | undefined {
  const ages = settings.flatMap((setting) => (setting ? [setting.maxAgeSeconds] : []));
  return ages.length === 0 ? undefined : Math.min(...ages);
}

/**
 * The cache's policy for a request to catalog model `modelId` from a caller on `plan` (in a team
 * on `teamPlan`): enabled by the model's, the plan's or the team plan's `cache` (the smallest age
 * of those set caps it, and a 0 anywhere switches it off), asked for by `Cache-Control`.
 */
export function cachePolicyOf(
  config: Pick<Config, 'models'>,
  {
    plan,
    teamPlan,
    modelId,
    cacheControl,
  }: { plan: Plan; teamPlan?: Plan; modelId: string; cacheControl: string | null },
): CachePolicy {
  const model = ownEntry(config.models, modelId);
  const cap = configuredMaxAge(model?.cache, plan.cache, teamPlan?.cache);
  if (cap === undefined || cap === 0) return { mode: 'off' };
  const request = readCacheControl(cacheControl);
  if (request.bypass) return { mode: 'bypass' };
  const accepted = Math.min(request.maxAgeSeconds ?? cap, cap);
  return { mode: 'use', maxAgeMs: accepted * 1000, ttlSeconds: cap };
}

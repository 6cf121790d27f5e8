import type { Redis } from '@upstash/redis';
import type { ServedRun } from '@/lib/chat/pipeline';
import type { ChatApi } from '@/lib/chat/types';
import { type Config, catalogIdOf, type Plan } from '@/lib/config';
import { costInMicroUsd } from '@/lib/usage/cost';
import { cacheKeyOf } from './key';
import { cachePolicyOf } from './policy';
import { captureResponse, replayResponse } from './replay';
import { type CachedResponse, createResponseCache, type ResponseCache } from './store';

/** What `x-tollgate-cache` says of a cacheable request. */
export type CacheStatus = 'hit' | 'miss' | 'bypass';

/** The response cache as one chat request sees it. */
export interface ChatCache {
  /** `bypass` or `miss` until `lookup` finds an answer. */
  readonly status: CacheStatus;
  /** The stored answer, as a response, when one is fresh enough; else undefined (a miss). */
  lookup(): Promise<{ response: Response; entry: CachedResponse } | undefined>;
  /**
   * Passes the answer to the client while keeping a copy, and stores it once it is complete:
   * read to its end, status 200, and the run finished (not failed, cut or aborted).
   */
  keep(response: Response, run: ServedRun): Response;
}

export interface ChatCacheRequest {
  config: Config;
  redis: Redis;
  /** `cacheTenantOf(...)` of the caller. */
  tenant: string;
  plan: Plan;
  /** The plan of the caller's team, if any: it too may enable (or cap) the cache. */
  teamPlan?: Plan;
  api: ChatApi;
  /** The model the request names (an alias, or absent for the default). */
  model: string | undefined;
  /** The body the key hashes (see `cacheKeyOf`). */
  body: unknown;
  /** Client headers forwarded to providers. */
  headers?: Record<string, string>;
  /** The request's `Cache-Control`. */
  cacheControl: string | null;
  /** Hands the store's write to the platform, after the response. */
  defer: (task: Promise<unknown>) => void;
  now?: () => number;
}

const stores = new WeakMap<Redis, ResponseCache>();

function storeOf(redis: Redis, config: Config): ResponseCache {
  let store = stores.get(redis);
  if (!store) {
    store = createResponseCache({ redis, maxTotalBytes: config.cache.maxTotalBytes });
    stores.set(redis, store);
  }
  return store;
}

/**
 * The cache of one request, or undefined when neither its model nor its plan enables it: then
 * nothing is read or written and no header is set, so such requests cost no extra round trip.
 */
export async function openChatCache(request: ChatCacheRequest): Promise<ChatCache | undefined> {
  const { config, defer, now = Date.now } = request;
  const model = catalogIdOf(config, request.model);
  const policy = cachePolicyOf(config, {
    plan: request.plan,
    teamPlan: request.teamPlan,
    modelId: model,
    cacheControl: request.cacheControl,
  });
  if (policy.mode === 'off') return undefined;
  if (policy.mode === 'bypass') {
    return { status: 'bypass', lookup: async () => undefined, keep: (response) => response };
  }
  const store = storeOf(request.redis, config);
  const hash = await cacheKeyOf({
    tenant: request.tenant,
    api: request.api,
    model,
    body: request.body,
    headers: request.headers,
  });
  let status: CacheStatus = 'miss';
  return {
    get status() {
      return status;
    },

    async lookup() {
      // An age of 0 accepts no stored answer: the read would be wasted.
      if (policy.maxAgeMs === 0) return undefined;
      const entry = await store.lookup(hash, policy.maxAgeMs);
      if (!entry) return undefined;
      status = 'hit';
      return { response: replayResponse(entry), entry };
    },

    keep(response, run) {
      if (response.status !== 200) return response;
      const { response: passed, captured } = captureResponse(response, config.cache.maxEntryBytes);
      const saved = Promise.all([captured, run.outcome]).then(async ([copy, outcome]) => {
        if (!copy || outcome.ending !== 'finished') return;
        await store.save(
          hash,
          {
            v: 1,
            storedAt: now(),
            ...copy,
            model: run.model,
            provider: run.provider,
            savedMicroUsd: run.pricing ? costInMicroUsd(run.pricing, outcome.usage) : 0,
          },
          policy.ttlSeconds,
        );
      });
      defer(
        saved.catch((error: unknown) =>
          console.warn(
            JSON.stringify({ event: 'tollgate.cache-save-failed', error: String(error) }),
          ),
        ),
      );
      return passed;
    },
  };
}

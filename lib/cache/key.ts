import { sha256Hex } from '@/lib/auth/encoding';
import type { ChatApi } from '@/lib/chat/types';

/**
 * Body fields that change nothing in the answer a client receives, per wire API: end-user ids
 * and labels (`user`, `metadata`, `safety_identifier`), the provider's own storage and prompt
 * caching (`store`, `prompt_cache_key`). `model` is left out too: the key names the resolved
 * catalog model instead, so an alias and its model share entries. Everything else counts,
 * `stream` and `stream_options` included (they change the bytes sent).
 */
const ignoredFields: Record<ChatApi, readonly string[]> = {
  chat: ['model'],
  openai: ['model', 'user', 'metadata', 'store', 'safety_identifier', 'prompt_cache_key'],
  responses: ['model', 'user', 'metadata', 'store', 'safety_identifier', 'prompt_cache_key'],
  anthropic: ['model', 'metadata'],
};

export interface CacheKeyInput {
  /** Whose answers these are: `cacheTenantOf(...)`. */
  tenant: string;
  api: ChatApi;
  /** The catalog model the request resolves to. */
  model: string;
  /** The request body: as written for relayed protocols, as parsed for /api/chat. */
  body: unknown;
  /** Client headers that go on to the provider (`anthropic-beta`): they change the answer. */
  headers?: Record<string, string>;
}

/**
 * Whose cache a caller reads and writes: the team's when the caller has one, else the user's.
 * `teamId` is the resolved team (`resolveTeam(...)`: the key's team, else the user's membership),
 * so every member of a team shares its answers.
 */
export function cacheTenantOf({ userId, teamId }: { userId: string; teamId?: string }): string {
  return teamId === undefined ? `user:${userId}` : `team:${teamId}`;
}

/** The SHA-256 (hex) of everything that decides an answer, canonically serialised. */
export function cacheKeyOf(input: CacheKeyInput): Promise<string> {
  return sha256Hex(
    canonicalJson({
      v: 1,
      tenant: input.tenant,
      api: input.api,
      model: input.model,
      headers: input.headers ?? {},
      body: generationFields(input.api, input.body),
    }),
  );
}

/** The body without the fields that do not change the answer. */
export function generationFields(api: ChatApi, body: unknown): unknown {
  if (!isPlainObject(body)) return body;
  const ignored = ignoredFields[api];
  const kept = Object.fromEntries(Object.entries(body).filter(([name]) => !ignored.includes(name)));
  // UI messages carry ids that differ per conversation; the model never sees them.
  if (api === 'chat' && Array.isArray(kept.messages)) {
    kept.messages = kept.messages.map((message: unknown) => {
      if (!isPlainObject(message)) return message;
      const { id: _id, ...rest } = message;
      return rest;
    });
  }
  return kept;
}

/** JSON with object keys sorted at every depth and `undefined` members dropped. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value))
    return value.map((entry) => (entry === undefined ? null : sortKeys(entry)));
  if (!isPlainObject(value)) return value;
  const sorted: Record<string, unknown> = {};
  for (const name of Object.keys(value).sort()) {
    if (value[name] !== undefined) sorted[name] = sortKeys(value[name]);
  }
  return sorted;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

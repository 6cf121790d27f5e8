import type { Redis } from '@upstash/redis';
import { randomToken } from '@/lib/auth/encoding';
import { requireRedis } from '@/lib/auth/identify';
import type { Config } from '@/lib/config';
import { GatewayError } from '@/lib/errors';
import { getRedis } from '@/lib/store/redis';
import { microUsdToUsd } from '@/lib/usage/cost';
import { conversationKeys, indexPrefix } from './keys';
import { conversationLimits } from './limits';
import {
  appendScript,
  createScript,
  deleteScript,
  listScript,
  moveScript,
  updateScript,
} from './scripts';

/** The fields a caller sets; everything else the store keeps. */
export interface ConversationFields {
  title: string;
  systemPrompt?: string;
  /** Catalog id the conversation's messages go to unless a message names another. */
  model?: string;
  metadata?: Record<string, string>;
}

/** What an assistant turn records of the answer that wrote it. */
export interface AnswerRecord {
  model: string;
  provider: string;
  usage: { inputTokens: number; outputTokens: number; totalTokens: number };
  /** Null when the serving model has no price. */
  costUsd: number | null;
  /** `aborted` (the client stopped it) and `failed` answers keep the text that arrived. */
  ending: 'finished' | 'aborted' | 'failed';
  timeToFirstTokenMs?: number;
}

export interface ConversationMessage {
  role: 'user' | 'assistant';
  content: string;
  /** Epoch ms. */
  createdAt: number;
  /** Assistant turns only. */
  answer?: AnswerRecord;
}

export interface ConversationSummary extends ConversationFields {
  id: string;
  messageCount: number;
  totalTokens: number;
  totalCostUsd: number;
  /** Epoch ms. */
  createdAt: number;
  updatedAt: number;
}

export interface Conversation extends ConversationSummary {
  messages: ConversationMessage[];
}

export interface ConversationPage {
  conversations: ConversationSummary[];
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

/** One answer's turns and what it cost, as the totals count it. */
export interface Turns {
  /** Absent when regenerating: the answer re-answers the last user turn. */
  user?: ConversationMessage;
  /** Absent when the answer produced no text. */
  assistant?: ConversationMessage;
  tokens: number;
  microUsd: number;
  regenerate: boolean;
}

type StoredMeta = ConversationFields & { id: string; createdAt: number };

/** What the store needs of `@upstash/redis`. */
export type ConversationRedis = Pick<Redis, 'createScript' | 'zscore' | 'hmget' | 'lrange'>;

const idPattern = /^conv_[\w-]{22}$/;

export const isConversationId = (id: string) => idPattern.test(id);

function notFound(id: string): GatewayError {
  return new GatewayError('not_found', `No conversation has the id "${id}".`);
}

function encodeCursor(updatedAt: number, id: string): string {
  return `${updatedAt}.${id}`;
}

function decodeCursor(cursor: string): { score: string; id: string } {
  const match = /^(\d{1,16})\.(conv_[\w-]{22})$/.exec(cursor);
  if (!match)
    throw new GatewayError('invalid_request', 'cursor: not a cursor this list gave', {
      param: 'cursor',
    });
  return { score: match[1] as string, id: match[2] as string };
}

function toSummary(
  meta: StoredMeta,
  totals: { tokens: unknown; micro: unknown; updatedAt: unknown; messageCount: unknown },
): ConversationSummary {
  return {
    ...meta,
    messageCount: Number(totals.messageCount ?? 0),
    totalTokens: Number(totals.tokens ?? 0),
    totalCostUsd: microUsdToUsd(Number(totals.micro ?? 0)),
    updatedAt: Number(totals.updatedAt ?? meta.createdAt),
  };
}

/**
 * Conversations kept in Redis, each owned by one user id (a guest's by the guest's id). A
 * conversation another user owns reads as absent: every call answers 404 for it, never 403.
 */
export function createConversationStore(redis: ConversationRedis, now: () => number = Date.now) {
  const scripts = {
    create: redis.createScript<number>(createScript),
    list: redis.createScript<unknown[][]>(listScript),
    update: redis.createScript<number>(updateScript),
    remove: redis.createScript<number>(deleteScript),
    append: redis.createScript<number>(appendScript),
    move: redis.createScript<number>(moveScript),
  };

  /** The conversation with its messages; 404 unless `ownerId` owns it. */
  async function get(ownerId: string, id: string): Promise<Conversation> {
    if (!isConversationId(id)) throw notFound(id);
    // One burst, so auto-pipelining sends it as one round trip.
    const [owned, fields, messages] = await Promise.all([
      redis.zscore(conversationKeys.index(ownerId), id),
      redis.hmget<{ meta: StoredMeta; tokens: number; micro: number; updatedAt: number }>(
        conversationKeys.record(id),
        'meta',
        'tokens',
        'micro',
        'updatedAt',
      ),
      redis.lrange<ConversationMessage>(conversationKeys.messages(id), 0, -1),
    ]);
    if (owned === null || !fields?.meta) throw notFound(id);
    return {
      ...toSummary(fields.meta, { ...fields, messageCount: messages.length }),
      messages,
    };
  }

  return {
    get,

    /**
     * `expiresAfterSeconds`: the conversation ends this long after its last change (a guest's,
     * with the guest's session); default: never.
     */
    async create(
      ownerId: string,
      fields: ConversationFields,
      { expiresAfterSeconds = 0 }: { expiresAfterSeconds?: number } = {},
    ): Promise<Conversation> {
      const meta: StoredMeta = { id: `conv_${randomToken(16)}`, createdAt: now(), ...fields };
      const created = await scripts.create.exec(
        [
          conversationKeys.index(ownerId),
          conversationKeys.record(meta.id),
          conversationKeys.messages(meta.id),
        ],
        [
          meta.id,
          ownerId,
          JSON.stringify(meta),
          String(meta.createdAt),
          String(conversationLimits.conversationsPerOwner),
          String(expiresAfterSeconds),
        ],
      );
      if (created !== 1) {
        throw new GatewayError(
          'invalid_request',
          `You keep ${conversationLimits.conversationsPerOwner} conversations already; delete some first.`,
        );
      }
      return {
        ...toSummary(meta, { tokens: 0, micro: 0, updatedAt: meta.createdAt, messageCount: 0 }),
        messages: [],
      };
    },

    async list(
      ownerId: string,
      { limit = conversationLimits.defaultPageSize, cursor }: { limit?: number; cursor?: string },
    ): Promise<ConversationPage> {
      const after = cursor ? decodeCursor(cursor) : { score: '+inf', id: '' };
      const rows = await scripts.list.exec(
        [conversationKeys.index(ownerId)],
        [after.score, after.id, String(limit), conversationKeys.record('')],
      );
      const conversations = rows
        .filter((row) => row[2] !== null)
        .slice(0, limit)
        .map(([id, updatedAt, meta, tokens, micro, messageCount]) =>
          toSummary(
            { ...(meta as StoredMeta), id: String(id) },
            { tokens, micro, updatedAt, messageCount },
          ),
        );
      const last = conversations.at(-1);
      return {
        conversations,
        nextCursor: rows.length > limit && last ? encodeCursor(last.updatedAt, last.id) : null,
      };
    },

    /** The conversation with its messages; 404 unless `ownerId` owns it. */
    async update(
      ownerId: string,
      id: string,
      patch: { [Field in keyof ConversationFields]?: ConversationFields[Field] | null },
    ): Promise<Conversation> {
      if (!isConversationId(id)) throw notFound(id);
      const updated = await scripts.update.exec(
        [
          conversationKeys.index(ownerId),
          conversationKeys.record(id),
          conversationKeys.messages(id),
        ],
        [id, JSON.stringify(patch), String(now())],
      );
      if (updated !== 1) throw notFound(id);
      return get(ownerId, id);
    },

    async remove(ownerId: string, id: string): Promise<void> {
      if (!isConversationId(id)) throw notFound(id);
      const removed = await scripts.remove.exec(
        [
          conversationKeys.index(ownerId),
          conversationKeys.record(id),
          conversationKeys.messages(id),
        ],
        [id],
      );
      if (removed !== 1) throw notFound(id);
    },

    /** Stores one answer's turns and adds its usage to the totals, in one step. */
    async appendTurns(id: string, turns: Turns): Promise<boolean> {
      const messages = [turns.user, turns.assistant].filter((turn) => turn !== undefined);
      const appended = await scripts.append.exec(
        [conversationKeys.record(id), conversationKeys.messages(id)],
        [
          indexPrefix,
          id,
          String(now()),
          String(turns.tokens),
          String(turns.microUsd),
          turns.regenerate ? '1' : '0',
          ...messages.map((message) => JSON.stringify(message)),
        ],
      );
      return appended === 1;
    },

    /** Every conversation of `fromOwnerId` now belongs to `toOwnerId`; returns how many moved. */
    async moveAll(fromOwnerId: string, toOwnerId: string): Promise<number> {
      if (fromOwnerId === toOwnerId) return 0;
      return scripts.move.exec(
        [conversationKeys.index(fromOwnerId), conversationKeys.index(toOwnerId)],
        [toOwnerId, conversationKeys.record('')],
      );
    },
  };
}

export type ConversationStore = ReturnType<typeof createConversationStore>;

const stores = new WeakMap<object, ConversationStore>();

/** The conversation store on the process's Redis (one per client: its scripts are reused). */
export function getConversationStore(config: Config): ConversationStore {
  const redis = requireRedis(getRedis(config));
  let store = stores.get(redis);
  if (!store) {
    store = createConversationStore(redis);
    stores.set(redis, store);
  }
  return store;
}

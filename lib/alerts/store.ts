import type { Redis } from '@upstash/redis';
import { redisKeys } from '@/lib/limits/keys';
import { alertKeys } from './keys';
import { claimDueScript, fireAlertsScript } from './scripts';
import type { AlertCandidate } from './thresholds';
import type { AlertRecord, Delivery } from './types';

/** Alerts and deliveries are kept this long, then expire. */
export const alertRetentionMs = 35 * 86_400_000;
const recentCap = 1_000;
const scopeCap = 200;

/** An alert with its delivery, as stored. */
export interface StoredAlert {
  record: AlertRecord;
  delivery: Delivery;
}

/** Where alerts live; one implementation over Redis, faked in unit tests. */
export interface AlertStore {
  /** Fires the candidates whose thresholds usage reached, once per period each (atomic). */
  fire(
    candidates: AlertCandidate[],
    where: {
      ledgerId: string;
      periods: { day: string; month: string };
      scope: string;
      now: number;
    },
  ): Promise<{ fired: string[]; due: boolean }>;
  /** Claims up to `max` due deliveries for `leaseMs` (no other deliverer gets them meanwhile). */
  claimDue(now: number, leaseMs: number, max: number): Promise<StoredAlert[]>;
  /** When the earliest pending delivery is due (or its lease ends); undefined when none. */
  nextDueAt(): Promise<number | undefined>;
  /** Saves an attempt's outcome: a pending delivery is due again at `nextAttemptAt`. */
  saveDelivery(id: string, delivery: Delivery): Promise<void>;
  /** Recent alerts, newest first: all of them, or those of some scopes. */
  list(scopes: 'all' | string[], limit: number): Promise<StoredAlert[]>;
}

type AlertRedis = Pick<Redis, 'createScript' | 'mget' | 'zrange' | 'multi' | 'zrem'>;

function idsAndScores(reply: unknown[]): Array<{ id: string; score: number }> {
  const pairs: Array<{ id: string; score: number }> = [];
  for (let index = 0; index + 1 < reply.length; index += 2) {
    pairs.push({ id: String(reply[index]), score: Number(reply[index + 1]) });
  }
  return pairs;
}

export function createAlertStore(redis: AlertRedis): AlertStore {
  const fireScript = redis.createScript<[string[], number]>(fireAlertsScript);
  const claimScript = redis.createScript<string[]>(claimDueScript);

  async function readAlerts(ids: string[]): Promise<StoredAlert[]> {
    if (ids.length === 0) return [];
    const values = await redis.mget<unknown[]>(
      ...ids.map(alertKeys.alert),
      ...ids.map(alertKeys.delivery),
    );
    return ids.flatMap((_, index) => {
      const record = values[index] as AlertRecord | null;
      const delivery = values[ids.length + index] as Delivery | null;
      return record && delivery ? [{ record, delivery }] : [];
    });
  }

  return {
    async fire(candidates, { ledgerId, periods, scope, now }) {
      if (candidates.length === 0) return { fired: [], due: false };
      const keys = [
        redisKeys.usageDay(ledgerId, periods.day),
        redisKeys.usageMonth(ledgerId, periods.month),
        alertKeys.recent(),
        alertKeys.scope(scope),
        alertKeys.outbox(),
        ...candidates.flatMap((candidate) => [
          candidate.firedKey,
          alertKeys.alert(candidate.record.id),
          alertKeys.delivery(candidate.record.id),
        ]),
      ];
      const args = [
        String(now),
        String(alertRetentionMs),
        String(recentCap),
        String(scopeCap),
        ...candidates.flatMap((candidate) => [
          candidate.hash,
          candidate.field,
          String(candidate.limitValue),
          String(candidate.threshold),
          String(Math.max(1, Math.round(candidate.firedTtlMs))),
          candidate.record.id,
          JSON.stringify(candidate.record).slice(0, -1),
          JSON.stringify(candidate.delivery),
        ]),
      ];
      const [fired, due] = await fireScript.exec(keys, args);
      return { fired: fired.map(String), due: Number(due) > 0 };
    },

    async claimDue(now, leaseMs, max) {
      const ids = await claimScript.exec(
        [alertKeys.outbox()],
        [String(now), String(leaseMs), String(max)],
      );
      const claimed = await readAlerts(ids.map(String));
      // An alert whose records expired has nothing left to send.
      const gone = ids.map(String).filter((id) => !claimed.some((a) => a.record.id === id));
      if (gone.length > 0) await redis.zrem(alertKeys.outbox(), ...gone);
      return claimed;
    },

    async nextDueAt() {
      const first = (await redis.zrange(alertKeys.outbox(), 0, 0, {
        withScores: true,
      })) as unknown[];
      return idsAndScores(first)[0]?.score;
    },

    async saveDelivery(id, delivery) {
      const transaction = redis.multi();
      transaction.set(alertKeys.delivery(id), delivery, { keepTtl: true });
      if (delivery.status === 'pending' && delivery.nextAttemptAt !== undefined) {
        transaction.zadd(alertKeys.outbox(), { score: delivery.nextAttemptAt, member: id });
      } else {
        transaction.zrem(alertKeys.outbox(), id);
      }
      await transaction.exec();
    },

    async list(scopes, limit) {
      const indexes = scopes === 'all' ? [alertKeys.recent()] : scopes.map(alertKeys.scope);
      const replies = await Promise.all(
        indexes.map(
          (index) =>
            redis.zrange(index, 0, limit - 1, { rev: true, withScores: true }) as Promise<
              unknown[]
            >,
        ),
      );
      const newest = replies
        .flatMap(idsAndScores)
        .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
        .slice(0, limit);
      return readAlerts([...new Set(newest.map((entry) => entry.id))]);
    },
  };
}

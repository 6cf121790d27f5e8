import type { Redis } from '@upstash/redis';
import type { Identity } from '@/lib/auth/identity';
import { ledgerIds } from '@/lib/limits/keys';
import { findTeamOf } from '@/lib/teams/store';
import { deliverDueAlerts } from './delivery';
import { fireAlerts } from './fire';
import { type AlertStore, createAlertStore, type StoredAlert } from './store';
import { sweepAlerts } from './sweep';
import type { AlertLedger, AlertRecord, Delivery } from './types';

export type { AlertsConfig } from './schema';
export { alertsSchema } from './schema';
export type { AlertLedger, AlertRecord } from './types';

let shared: { redis: Redis; store: AlertStore } | undefined;

/** The alert store over the process's Redis client. */
export function getAlertStore(redis: Redis): AlertStore {
  if (shared?.redis !== redis) shared = { redis, store: createAlertStore(redis) };
  return shared.store;
}

/**
 * The accounting's `afterSettle` for one request: fires the thresholds its ledgers crossed and,
 * when a delivery is due, sweeps the outbox (deferred, after the response). It never throws: an
 * alert that cannot be written now is written by the next settlement that finds it crossed.
 */
export function alertsAfterSettle(
  redis: Redis,
  ownerUserId: string,
  defer: (task: Promise<unknown>) => void,
  now: () => number = Date.now,
): (ledgers: AlertLedger[]) => Promise<void> {
  return async (ledgers) => {
    if (!ledgers.some((ledger) => ledger.limits.alerts)) return;
    const store = getAlertStore(redis);
    try {
      const { due } = await fireAlerts(store, ledgers, { ownerUserId, now: now() });
      if (due) defer(sweepAlerts(store));
    } catch (error) {
      console.error(JSON.stringify({ event: 'tollgate.alert_fire_failed', error: String(error) }));
    }
  };
}

/**
 * The cron route's sweep: one attempt of every delivery due now (a failure waits for its next
 * time in the outbox), so the route answers well within the Edge's 25 s.
 */
export async function sweepDueAlerts(redis: Redis): Promise<{ attempted: number }> {
  return deliverDueAlerts({ store: getAlertStore(redis), windowMs: 0 });
}

/** An alert as `GET /api/alerts` shows it: no destination, no secret. */
export interface AlertView extends AlertRecord {
  delivery: Omit<Delivery, 'destination'>;
}

function toView({ record, delivery }: StoredAlert): AlertView {
  const { destination: _destination, ...shown } = delivery;
  return { ...record, delivery: shown };
}

/**
 * Recent alerts, newest first: every alert for an administrator; otherwise the caller's own
 * (their user and their keys) and their team's: the key's team when the key names one, else the
 * user's membership, read now (not the chat path's 5 s cache), so a removed member sees no more.
 */
export async function listAlerts(
  redis: Redis,
  identity: Identity,
  { limit }: { limit: number },
): Promise<{ alerts: AlertView[] }> {
  const store = getAlertStore(redis);
  if (identity.admin) return { alerts: (await store.list('all', limit)).map(toView) };
  const team = await findTeamOf(redis, identity);
  const scopes = team ? [identity.userId, ledgerIds.team(team.id)] : [identity.userId];
  return { alerts: (await store.list(scopes, limit)).map(toView) };
}

import { periodsAt } from '@/lib/limits/periods';
import type { AlertStore } from './store';
import { alertCandidates, alertScopeOf } from './thresholds';
import type { AlertLedger } from './types';

function newAlertId(): string {
  return `alert_${crypto.randomUUID().replaceAll('-', '')}`;
}

/**
 * After a request is settled: fires every threshold its ledgers' usage reached, once per period
 * each. Returns whether any delivery is due, so the caller sweeps only then. A ledger without
 * `alerts` costs nothing (no Redis call).
 */
export async function fireAlerts(
  store: AlertStore,
  ledgers: AlertLedger[],
  { ownerUserId, now }: { ownerUserId: string; now: number },
): Promise<{ fired: string[]; due: boolean }> {
  const periods = periodsAt(now);
  const results = await Promise.all(
    ledgers.map((ledger) =>
      store.fire(alertCandidates(ledger, { ownerUserId, now, periods, newId: newAlertId }), {
        ledgerId: ledger.ledgerId,
        periods,
        scope: alertScopeOf(ledger, ownerUserId),
        now,
      }),
    ),
  );
  return {
    fired: results.flatMap((result) => result.fired),
    due: results.some((result) => result.due),
  };
}

import { limitAmount } from '@/lib/limits/limit-table';
import type { Periods } from '@/lib/limits/periods';
import { alertPeriodOf, budgetLimitNames, budgetSpecOf } from './budgets';
import { alertKeys } from './keys';
import { defaultRetry, defaultThresholds } from './schema';
import type { AlertLedger, AlertRecord, Delivery, Destination } from './types';

/** The fired marker outlives its period a little, so a late settlement cannot fire it again. */
const firedGraceMs = 2 * 86_400_000;

/**
 * A threshold that fires if the ledger's usage has reached it: the fire script (scripts.ts)
 * compares `used * 100 >= threshold * limitValue` and sets `firedKey` NX, so it fires once.
 */
export interface AlertCandidate {
  firedKey: string;
  hash: 'day' | 'month';
  field: 'tokens' | 'micro';
  limitValue: number;
  threshold: number;
  firedTtlMs: number;
  record: Omit<AlertRecord, 'used'>;
  delivery: Delivery;
}

/** Who may list a ledger's alerts: the user (their keys' alerts too) or `team:<id>`. */
export function alertScopeOf(ledger: AlertLedger, ownerUserId: string): string {
  return ledger.kind === 'team' ? ledger.ledgerId : ownerUserId;
}

/** Every threshold of every budget the ledger has alerts for; none without `alerts`. */
export function alertCandidates(
  ledger: AlertLedger,
  context: { ownerUserId: string; now: number; periods: Periods; newId: () => string },
): AlertCandidate[] {
  const alerts = ledger.limits.alerts;
  if (!alerts) return [];
  const thresholds = alerts.thresholds ?? defaultThresholds;
  const retry = alerts.retry ?? {};
  const destination: Destination = {
    webhookUrl: alerts.webhookUrl,
    secret: alerts.secret,
    maxAttempts: retry.maxAttempts ?? defaultRetry.maxAttempts,
    initialBackoffMs: retry.initialBackoffMs ?? defaultRetry.initialBackoffMs,
    maxBackoffMs: retry.maxBackoffMs ?? defaultRetry.maxBackoffMs,
  };
  return budgetLimitNames.flatMap((limit) => {
    const configured = ledger.limits[limit];
    if (configured === undefined) return [];
    const budget = budgetSpecOf(limit);
    const limitValue = limitAmount(limit, configured);
    const period = alertPeriodOf(budget.period, context.periods);
    return thresholds.map((threshold) => ({
      firedKey: alertKeys.fired(ledger.ledgerId, limit, period.key, threshold),
      hash: budget.period,
      field: budget.field,
      limitValue,
      threshold,
      firedTtlMs: period.end - context.now + firedGraceMs,
      record: {
        id: context.newId(),
        at: context.now,
        ledger: { kind: ledger.kind, id: ledger.id },
        ...(ledger.kind === 'team' ? {} : { userId: context.ownerUserId }),
        limit,
        threshold,
        limitValue,
        unit: budget.unit,
        period,
      },
      delivery: { status: 'pending', attempts: 0, nextAttemptAt: context.now, destination },
    }));
  });
}

/** Whether usage has reached a threshold; the fire script makes the same comparison. */
export function isCrossed(used: number, threshold: number, limitValue: number): boolean {
  return used * 100 >= threshold * limitValue;
}

/** Wait before attempt `attempts + 1`, after `attempts` failed ones: doubling, capped. */
export function backoffMs(
  attempts: number,
  { initialBackoffMs, maxBackoffMs }: Pick<Destination, 'initialBackoffMs' | 'maxBackoffMs'>,
): number {
  return Math.min(maxBackoffMs, initialBackoffMs * 2 ** Math.max(0, attempts - 1));
}

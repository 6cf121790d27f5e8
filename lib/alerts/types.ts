import type { AlertPeriod, BudgetLimitName } from './budgets';
import type { AlertsConfig } from './schema';

/** The limits of a ledger as alerts read them: a plan, or a key's own limits. */
export type AlertedLimits = { [Name in BudgetLimitName]?: number } & { alerts?: AlertsConfig };

/** A ledger a settled request counted against (accounting's `afterSettle` hands these over). */
export interface AlertLedger {
  kind: 'user' | 'team' | 'key';
  /** The user, team or key id. */
  id: string;
  /** Its Redis ledger id: `<userId>`, `team:<teamId>`, `key:<keyId>`. */
  ledgerId: string;
  limits: AlertedLimits;
}

/** One threshold of one budget crossed in one period: what `GET /api/alerts` and the webhook show. */
export interface AlertRecord {
  /** Also the deliveries' `webhook-id`, the same on every retry. */
  id: string;
  /** Epoch ms it fired. */
  at: number;
  ledger: { kind: AlertLedger['kind']; id: string };
  /** The user whose request crossed it (for a key: the key's user). Absent for a team. */
  userId?: string;
  limit: BudgetLimitName;
  /** Percent. */
  threshold: number;
  /** Used in the period when it fired, in `unit`. */
  used: number;
  /** The budget, in `unit` (dollars in micro-dollars). */
  limitValue: number;
  unit: 'tokens' | 'micro';
  period: AlertPeriod;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** Where and how an alert is delivered, fixed when it fires. */
export interface Destination {
  webhookUrl: string;
  secret: string;
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export interface Delivery {
  status: DeliveryStatus;
  /** Attempts made so far. */
  attempts: number;
  lastError?: string;
  /** Epoch ms; while pending. */
  nextAttemptAt?: number;
  /** Epoch ms; once delivered. */
  deliveredAt?: number;
  /** Kept only while pending: a delivered or failed alert no longer holds the secret. */
  destination?: Destination;
}

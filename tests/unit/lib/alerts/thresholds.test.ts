import { describe, expect, it } from 'vitest';
import { budgetLimitNames, budgetSpecOf } from '@/lib/alerts/budgets';
import { alertsSchema } from '@/lib/alerts/schema';
import { alertCandidates, alertScopeOf, backoffMs, isCrossed } from '@/lib/alerts/thresholds';
import type { AlertLedger } from '@/lib/alerts/types';
import { limitsOfKind, limitTable } from '@/lib/limits/limit-table';
import { periodsAt } from '@/lib/limits/periods';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const now = Date.UTC(2026, 11, 2, 10, 0, 0);
let counter = 0;
const context = (at = now) => ({
  ownerUserId: 'ada',
  now: at,
  periods: periodsAt(at),
  newId: () => `alert_${++counter}`,
});

function userLedger(limits: AlertLedger['limits']): AlertLedger {
  return { kind: 'user', id: 'ada', ledgerId: 'ada', limits };
}

describe('threshold crossing', () => {
  it('crosses at exactly the threshold and not a unit before', () => {
    expect(isCrossed(500, 50, 1000)).toBe(true);
    expect(isCrossed(499, 50, 1000)).toBe(false);
    expect(isCrossed(1000, 100, 1000)).toBe(true);
    expect(isCrossed(999, 100, 1000)).toBe(false);
    expect(isCrossed(3, 75, 4)).toBe(true);
  });

  it("watches the limit table's budgets and nothing else: rate and concurrency limits fire no alert", () => {
    expect(budgetLimitNames).toEqual(limitsOfKind('budget'));
    for (const name of budgetLimitNames) {
      expect(budgetSpecOf(name)).toEqual({
        period: limitTable[name].period,
        field: limitTable[name].unit === 'micro' ? 'micro' : 'tokens',
        unit: limitTable[name].unit,
      });
    }
    const rates = alertCandidates(
      userLedger({
        requestsPerMinute: 10,
        requestsPerDay: 100,
        concurrentRequests: 2,
        alerts: { webhookUrl: 'https://hooks.example/a', secret },
      }),
      context(),
    );
    expect(rates).toEqual([]);
  });

  it('watches every budget the ledger has, at 50/75/100 % by default, dollars in micro-dollars', () => {
    const candidates = alertCandidates(
      userLedger({
        tokensPerDay: 1000,
        spendPerMonthUsd: 2.5,
        alerts: { webhookUrl: 'https://hooks.example/a', secret },
      }),
      context(),
    );
    expect(
      candidates.map(({ record, hash, field, limitValue }) => [
        record.limit,
        record.threshold,
        hash,
        field,
        limitValue,
      ]),
    ).toEqual([
      ['tokensPerDay', 50, 'day', 'tokens', 1000],
      ['tokensPerDay', 75, 'day', 'tokens', 1000],
      ['tokensPerDay', 100, 'day', 'tokens', 1000],
      ['spendPerMonthUsd', 50, 'month', 'micro', 2_500_000],
      ['spendPerMonthUsd', 75, 'month', 'micro', 2_500_000],
      ['spendPerMonthUsd', 100, 'month', 'micro', 2_500_000],
    ]);
    expect(new Set(candidates.map((candidate) => candidate.record.id)).size).toBe(6);
  });

  it('dedupes per ledger, limit, period and threshold: the next day is a new marker, the same day is not', () => {
    const ledger = userLedger({
      tokensPerDay: 1000,
      alerts: { webhookUrl: 'https://hooks.example/a', secret, thresholds: [80] },
    });
    const [today] = alertCandidates(ledger, context());
    const [later] = alertCandidates(ledger, context(now + 3_600_000));
    const [tomorrow] = alertCandidates(ledger, context(now + 86_400_000));
    expect(today?.firedKey).toBe('tg:alert-fired:ada:tokensPerDay:2026-12-02:80');
    expect(later?.firedKey).toBe(today?.firedKey);
    expect(tomorrow?.firedKey).toBe('tg:alert-fired:ada:tokensPerDay:2026-12-03:80');
    // The marker outlives the day, so a late settlement of the same day cannot fire it again.
    expect(now + (today?.firedTtlMs ?? 0)).toBeGreaterThan(Date.UTC(2026, 11, 3));
    expect(today?.record.period).toEqual({
      kind: 'day',
      key: '2026-12-02',
      start: Date.UTC(2026, 11, 2),
      end: Date.UTC(2026, 11, 3),
    });
  });

  it('fires nothing for a ledger without alerts, and keeps a team apart from its users', () => {
    expect(alertCandidates(userLedger({ tokensPerDay: 1000 }), context())).toEqual([]);
    const team: AlertLedger = {
      kind: 'team',
      id: 'research',
      ledgerId: 'team:research',
      limits: { tokensPerMonth: 10, alerts: { webhookUrl: 'https://hooks.example/t', secret } },
    };
    const [candidate] = alertCandidates(team, context());
    expect(candidate?.record.ledger).toEqual({ kind: 'team', id: 'research' });
    expect(candidate?.record).not.toHaveProperty('userId');
    expect(alertScopeOf(team, 'ada')).toBe('team:research');
    const key: AlertLedger = { kind: 'key', id: 'k1', ledgerId: 'key:k1', limits: {} };
    expect(alertScopeOf(key, 'ada')).toBe('ada');
  });

  it('backs off doubling from the initial wait up to the cap', () => {
    const policy = { initialBackoffMs: 1000, maxBackoffMs: 5000 };
    expect([1, 2, 3, 4, 5].map((attempts) => backoffMs(attempts, policy))).toEqual([
      1000, 2000, 4000, 5000, 5000,
    ]);
  });
});

describe('alerts config', () => {
  it('takes a whsec_ secret and a URL, and refuses anything else naming the field', () => {
    expect(alertsSchema.safeParse({ webhookUrl: 'https://hooks.example/a', secret }).success).toBe(
      true,
    );
    const issues = (value: unknown) => [
      ...new Set(alertsSchema.safeParse(value).error?.issues.map((issue) => issue.path.join('.'))),
    ];
    expect(
      issues({ webhookUrl: 'https://hooks.example/a', secret: 'MfKQ9r8GKYqrTwjUPD8IL' }),
    ).toEqual(['secret']);
    expect(issues({ webhookUrl: 'ftp://hooks.example/a', secret })).toEqual(['webhookUrl']);
    expect(issues({ webhookUrl: 'https://hooks.example/a', secret, thresholds: [50, 50] })).toEqual(
      ['thresholds'],
    );
  });
});

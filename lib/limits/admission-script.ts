import type { AdmissionRequest, AdmissionScope } from './admission';
import { minimalOutputTokens, reservationTtlMs } from './budget';
import { redisKeys } from './keys';
import { budgetField, isSoft, limitAmount, limitNames, limitTable } from './limit-table';
import type { Periods } from './periods';

// The admission script (scripts.ts) as TypeScript calls it: its KEYS, its ARGV and its reply.

/** A lease outlives no request: streams are cut at the platform's limit (300 s on Vercel). */
export const leaseTtlMs = 5 * 60_000;

/**
 * The admission script's reply. It comes JSON-encoded (one string): the client's automatic
 * deserialization JSON.parses every string of an array reply and catches the SyntaxError of each
 * non-JSON one (the budget labels), which cost more CPU than the rest of the admission.
 */
export type ScriptReply = Array<number | string>;

export /** The script's budget readings: `"<scope>:<name>" -> used`, from `start` (0-based) on. */
function usedBudgets(reply: ScriptReply | undefined, start: number) {
  const used = new Map<string, number>();
  for (let index = start; reply && index + 1 < reply.length; index += 2) {
    used.set(String(reply[index]), Number(reply[index + 1]));
  }
  return used;
}

export function admitKeys(
  scopes: AdmissionScope[],
  periods: Periods,
  sessionId: string | undefined,
  keyHash: string | undefined,
): string[] {
  return [
    // A key sent itself is checked by its secret (a rotated one ends), a session's by its id.
    keyHash ? redisKeys.apiKeySecret(keyHash) : redisKeys.apiKeys(),
    // Without a session, a key that never exists: the script's check then always passes.
    redisKeys.revokedSession(sessionId ?? ''),
    ...scopes.flatMap(({ ledgerId }) => [
      redisKeys.leases(ledgerId),
      redisKeys.usageDay(ledgerId, periods.day),
      redisKeys.usageMonth(ledgerId, periods.month),
      redisKeys.reservations(ledgerId),
      redisKeys.reservationAmounts(ledgerId),
    ]),
  ];
}

export function admitArguments(
  request: AdmissionRequest,
  scopes: AdmissionScope[],
  time: number,
  periods: Periods,
): string[] {
  const { pricing } = request;
  return [
    String(time),
    request.requestId,
    request.keyId ?? '',
    String(time + leaseTtlMs),
    String(time + reservationTtlMs),
    String(request.inputTokens),
    String(request.requestedOutputTokens),
    String(minimalOutputTokens),
    String(pricing?.inputPerMTok ?? 0),
    String(pricing?.outputPerMTok ?? 0),
    periods.day,
    periods.month,
    String(scopes.length),
    ...scopes.flatMap(({ limits }) => {
      const held = limitNames.flatMap((name) => {
        const spec = limitTable[name];
        const value = limits[name];
        if (spec.kind === 'rate' || value === undefined) return [];
        return [
          name,
          spec.kind,
          spec.kind === 'budget' ? budgetField(name) : '',
          spec.kind === 'budget' ? (spec.period ?? '') : '',
          String(limitAmount(name, value)),
          isSoft(limits, name) ? '1' : '0',
        ];
      });
      return [String(held.length / 6), ...held];
    }),
  ];
}

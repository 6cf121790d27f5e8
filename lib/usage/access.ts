import { z } from 'zod';
import type { Identity } from '@/lib/auth/identity';
import { GatewayError } from '@/lib/errors';
import { parseRequest } from '@/lib/http/parse-request';
import { findUserPlan, type UsageRedis } from './queries';
import { usagePeriods } from './usage-periods';

export const periodQuerySchema = z.object({ period: z.enum(usagePeriods).default('month') });

export const usageQuerySchema = periodQuerySchema.extend({
  userId: z
    .string()
    .regex(/^[\w.@-]{1,64}$/, 'letters, digits, _ . @ - (1-64)')
    .optional(),
});

function searchParamsOf(request: Request): Record<string, string> {
  return Object.fromEntries(new URL(request.url).searchParams);
}

/** `?period=day|week|month`, default month; a bad value is a 400 naming `period`. */
export function readPeriodQuery(request: Request) {
  return parseRequest(periodQuerySchema, searchParamsOf(request));
}

/** `?period=` and an optional `?userId=`. */
export function readUsageQuery(request: Request) {
  return parseRequest(usageQuerySchema, searchParamsOf(request));
}

/**
 * Whose usage a request may read: the caller's own, or anyone's for an administrator. The plan
 * shown for another user is the one they were last seen on (null if they never made a request).
 */
export async function resolveUsageOwner(
  redis: UsageRedis,
  identity: Identity,
  userId: string | undefined,
): Promise<{ userId: string; plan: string | null }> {
  if (userId === undefined || userId === identity.userId) {
    return { userId: identity.userId, plan: identity.plan };
  }
  if (!identity.admin) {
    throw new GatewayError('forbidden', "Only administrators may read another user's usage.");
  }
  return { userId, plan: await findUserPlan(redis, userId) };
}

import type { Redis } from '@upstash/redis';
import { z } from 'zod';
import type { Identity } from '@/lib/auth/identity';
import { GatewayError } from '@/lib/errors';
import { parseRequest } from '@/lib/http/parse-request';
import { teamIdPattern } from '@/lib/teams/keys';
import { findTeam, findTeamOf, type TeamCaller } from '@/lib/teams/store';
import { findUserPlan, type UsageRedis } from './queries';
import { usagePeriods } from './usage-periods';

export const periodQuerySchema = z.object({ period: z.enum(usagePeriods).default('month') });

export const usageQuerySchema = periodQuerySchema.extend({
  userId: z
    .string()
    .regex(/^[\w.@-]{1,64}$/, 'letters, digits, _ . @ - (1-64)')
    .optional(),
});

/** `/api/usage`: a user's usage (`?userId=`) or a team's (`?teamId=`), not both. */
export const usageReportQuerySchema = usageQuerySchema
  .extend({
    teamId: z.string().regex(teamIdPattern, 'letters, digits, _ . - (1-64)').optional(),
  })
  .refine((query) => query.userId === undefined || query.teamId === undefined, {
    message: 'send `userId` or `teamId`, not both',
    path: ['teamId'],
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

/**
 * Whether a caller may read a team's usage: an administrator any team's (404 for an unknown
 * one), anyone else only their own team's (the key's team, else their membership, read now, so
 * a removed member is refused at once). The plan shown is the team's.
 */
export async function resolveUsageTeam(
  redis: Pick<Redis, 'createScript'>,
  identity: Pick<Identity, 'admin'> & TeamCaller,
  teamId: string,
): Promise<{ teamId: string; plan: string }> {
  const team = identity.admin ? await findTeam(redis, teamId) : await findTeamOf(redis, identity);
  if (!identity.admin && team?.id !== teamId) {
    throw new GatewayError(
      'forbidden',
      "Only administrators and the team's members may read a team's usage.",
    );
  }
  if (!team) throw new GatewayError('not_found', `No team has the id "${teamId}".`);
  return { teamId, plan: team.plan };
}

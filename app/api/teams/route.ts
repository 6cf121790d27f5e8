import { requireRedis } from '@/lib/auth/identify';
import { handle, otherMethods } from '@/lib/http/door';
import { getRedis } from '@/lib/store/redis';
import { createTeamSchema } from '@/lib/teams/schemas';
import { createTeam, listTeams } from '@/lib/teams/store';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

export const POST = handle({ access: 'admin', body: createTeamSchema }, async ({ body, config }) =>
  Response.json(await createTeam(requireRedis(getRedis(config)), body, { plans: config.plans }), {
    status: 201,
  }),
);

export const GET = handle({ access: 'admin' }, async ({ config }) =>
  Response.json({ teams: await listTeams(requireRedis(getRedis(config))) }),
);

export const { PUT, PATCH, DELETE } = otherMethods;

import { requireRedis } from '@/lib/auth/identify';
import { handle, otherMethods } from '@/lib/http/door';
import { getRedis } from '@/lib/store/redis';
import { updateTeamSchema } from '@/lib/teams/schemas';
import { deleteTeam, getTeam, updateTeam } from '@/lib/teams/store';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

export const GET = handle({ access: 'admin' }, async ({ params, config }) =>
  Response.json(await getTeam(requireRedis(getRedis(config)), String(params.id))),
);

export const PATCH = handle(
  { access: 'admin', body: updateTeamSchema },
  async ({ params, body, config }) =>
    Response.json(
      await updateTeam(requireRedis(getRedis(config)), String(params.id), body, {
        plans: config.plans,
      }),
    ),
);

/** Deletes the team and its memberships; answers with the team as it was. */
export const DELETE = handle({ access: 'admin' }, async ({ params, config }) =>
  Response.json(await deleteTeam(requireRedis(getRedis(config)), String(params.id))),
);

export const { POST, PUT } = otherMethods;

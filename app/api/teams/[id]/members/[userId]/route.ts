import { requireRedis } from '@/lib/auth/identify';
import { handle, otherMethods } from '@/lib/http/door';
import { getRedis } from '@/lib/store/redis';
import { readMemberParams } from '@/lib/teams/schemas';
import { removeTeamMember, setTeamMember } from '@/lib/teams/store';

export const runtime = 'edge';

/** Puts the user in the team, moving them out of any other: a user is in at most one team. */
export const PUT = handle({ access: 'admin' }, async ({ params, config }) => {
  const { id, userId } = readMemberParams(params);
  return Response.json(await setTeamMember(requireRedis(getRedis(config)), id, userId));
});

export const DELETE = handle({ access: 'admin' }, async ({ params, config }) => {
  const { id, userId } = readMemberParams(params);
  return Response.json(await removeTeamMember(requireRedis(getRedis(config)), id, userId));
});

export const { GET, POST, PATCH } = otherMethods;

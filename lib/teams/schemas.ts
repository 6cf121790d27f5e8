import { z } from 'zod';
import { parseRequest } from '@/lib/http/parse-request';
import { teamIdPattern } from './keys';

const name = z.string().trim().min(1).max(100);
const plan = z.string().min(1);

export const createTeamSchema = z.strictObject({
  id: z.string().regex(teamIdPattern, 'letters, digits, _ . - (1-64)').optional(),
  name,
  plan,
});

export const updateTeamSchema = z
  .strictObject({ name: name.optional(), plan: plan.optional() })
  .refine((fields) => fields.name !== undefined || fields.plan !== undefined, {
    message: 'send `name`, `plan` or both',
    path: ['name'],
  });

const memberParamsSchema = z.object({
  id: z.string(),
  userId: z.string().regex(/^[\w.@-]{1,64}$/, 'letters, digits, _ . @ - (1-64)'),
});

/** `/api/teams/{id}/members/{userId}`; a malformed user id is a 400 naming `userId`. */
export function readMemberParams(params: Record<string, string | string[]>) {
  return parseRequest(memberParamsSchema, params);
}

import { z } from 'zod';
import { alertsSchema } from '@/lib/alerts/schema';
import { matchesModel } from '@/lib/config';
import { sharedLimitsSchema } from '@/lib/config/schema';
import { GatewayError } from '@/lib/errors';
import type { Identity } from './identity';

/**
 * A key's own limits: the limit fields of a plan, applied on top of the key's plan, and the
 * key's own spend alerts on them (set by an administrator, like a plan's in the config).
 */
export const keyLimitsSchema = sharedLimitsSchema.extend({
  /** Spend alerts on the key's own budgets (README "Alerts"). Default: none. */
  alerts: alertsSchema.optional(),
});
export type KeyLimits = z.infer<typeof keyLimitsSchema>;

/**
 * A model pattern as `matchesModel` reads it: `*`, a catalog id (`openai/gpt-5.4`), or a prefix
 * ending in `*` (`openai/*`, `openai/gpt-5*`). A `*` anywhere else would never match.
 */
export const modelPatternSchema = z
  .string()
  .max(200)
  .regex(
    /^(\*|[^\s/*]+\/\*|[^\s/*]+\/[^\s*]+\*?)$/,
    'a model id ("openai/gpt-5.4"), a prefix ending in * ("openai/*"), or *',
  );

/** What an admin may set on a key besides its user, plan and name. Every field is optional. */
export const keyPolicySchema = z.strictObject({
  /** A team of `tg:teams`; the team's plan applies on top of the key's. Default: none. */
  teamId: z.string().min(1).max(100).optional(),
  /** ISO 8601, in the future: from then on the key gets 401 `key_expired`. Default: never. */
  expiresAt: z.iso.datetime({ offset: true }).optional(),
  /** Patterns of the models the key may use. Default: every model. */
  allowedModels: z.array(modelPatternSchema).min(1).max(100).optional(),
  /** The key's own limits, on top of its plan's. Default: none. */
  limits: keyLimitsSchema.optional(),
});
export type KeyPolicy = z.infer<typeof keyPolicySchema>;

/** Whether a key's expiry has passed: a timestamp in its record, so no store is asked. */
export function isKeyExpired(policy: Pick<KeyPolicy, 'expiresAt'>, now: number): boolean {
  return policy.expiresAt !== undefined && Date.parse(policy.expiresAt) <= now;
}

export function checkKeyNotExpired(policy: Pick<KeyPolicy, 'expiresAt'>, now: number): void {
  if (!isKeyExpired(policy, now)) return;
  throw new GatewayError('key_expired', `The API key expired at ${policy.expiresAt}.`);
}

/** The policy fields an identity carries, from a key's record. */
export function identityPolicyOf(
  policy: KeyPolicy,
): Pick<Identity, 'teamId' | 'keyLimits' | 'allowedModels'> {
  return {
    ...(policy.teamId !== undefined ? { teamId: policy.teamId } : {}),
    ...(policy.limits !== undefined ? { keyLimits: policy.limits } : {}),
    ...(policy.allowedModels !== undefined ? { allowedModels: policy.allowedModels } : {}),
  };
}

/** Whether the caller may use a catalog model: always, unless its key names allowed models. */
export function isModelAllowed(identity: Pick<Identity, 'allowedModels'>, modelId: string) {
  return identity.allowedModels === undefined || matchesModel(identity.allowedModels, modelId);
}

/** A key restricted to some models gets a 403 for any other (`catalogId`: after aliases). */
export function checkKeyModel(identity: Pick<Identity, 'allowedModels'>, catalogId: string): void {
  if (isModelAllowed(identity, catalogId)) return;
  throw new GatewayError('forbidden', `This API key may not use the model "${catalogId}".`, {
    param: 'model',
  });
}

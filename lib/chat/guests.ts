import type { Identity } from '@/lib/auth/identity';
import { type Config, matchesModel } from '@/lib/config';
import { GatewayError } from '@/lib/errors';
import { clientAddress } from '@/lib/http/client-address';
import type { SharedBucket } from './accounting';

/** Guests may use only the models `guests.models` names (default: the free demo models). */
export function checkGuestModel(config: Config, modelId: string): void {
  if (matchesModel(config.guests.models, modelId)) return;
  throw new GatewayError(
    'forbidden',
    `Guests may not use the model "${modelId}"; sign in with an API key to use it.`,
    { param: 'model' },
  );
}

/**
 * The limits a guest's request counts against besides the guest plan: one bucket per client
 * address and one for every guest together. A new guest cookie starts a new guest but neither
 * bucket, so anonymous use stays bounded however many cookies a client mints.
 */
export function guestBuckets(config: Config, identity: Identity, request: Request): SharedBucket[] {
  if (identity.kind !== 'guest') return [];
  return [
    { ledgerId: `guests@${clientAddress(request)}`, limits: config.guests.perAddress },
    { ledgerId: 'guests@all', limits: config.guests.shared },
  ];
}

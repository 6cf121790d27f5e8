import { describe, expect, it } from 'vitest';
import type { Identity } from '@/lib/auth/identity';
import { GatewayError } from '@/lib/errors';
import { redisKeys } from '@/lib/limits/keys';
import { readPeriodQuery, readUsageQuery, resolveUsageOwner } from '@/lib/usage/access';
import { FakeUsageRedis } from './fake-usage-redis';

const user: Identity = { userId: 'alice', plan: 'free', admin: false, kind: 'api-key' };
const admin: Identity = { userId: 'admin', plan: 'admin', admin: true, kind: 'admin-token' };
const get = (query: string) => new Request(`http://localhost/api/usage${query}`);

function thrownBy(read: () => unknown): unknown {
  try {
    read();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('readUsageQuery', () => {
  it('defaults the period to the month', () => {
    expect(readUsageQuery(get(''))).toEqual({ period: 'month' });
    expect(readPeriodQuery(get('?period=week'))).toEqual({ period: 'week' });
  });

  it('refuses an unknown period or a malformed user id with a 400 naming the field', () => {
    const period = thrownBy(() => readUsageQuery(get('?period=year')));
    expect(period).toBeInstanceOf(GatewayError);
    expect(period).toMatchObject({ status: 400, code: 'invalid_request', param: 'period' });
    const userId = thrownBy(() => readUsageQuery(get('?userId=a%20b')));
    expect(userId).toMatchObject({ status: 400, param: 'userId' });
  });
});

describe('resolveUsageOwner', () => {
  it("gives a user their own usage, with their identity's plan", async () => {
    const redis = new FakeUsageRedis();
    expect(await resolveUsageOwner(redis, user, undefined)).toEqual({
      userId: 'alice',
      plan: 'free',
    });
    expect(await resolveUsageOwner(redis, user, 'alice')).toEqual({
      userId: 'alice',
      plan: 'free',
    });
  });

  it("refuses another user's usage to anyone but an administrator", async () => {
    await expect(resolveUsageOwner(new FakeUsageRedis(), user, 'bob')).rejects.toMatchObject({
      status: 403,
      code: 'forbidden',
    });
  });

  it('shows an administrator the plan the user was last seen on', async () => {
    const redis = new FakeUsageRedis();
    redis.hashes.set(redisKeys.userPlans(), { bob: 'pro' });
    expect(await resolveUsageOwner(redis, admin, 'bob')).toEqual({ userId: 'bob', plan: 'pro' });
    expect(await resolveUsageOwner(redis, admin, 'carol')).toEqual({ userId: 'carol', plan: null });
  });
});

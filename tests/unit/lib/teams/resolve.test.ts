import { describe, expect, it } from 'vitest';
import { createTeamResolver } from '@/lib/teams/resolve';
import type { TeamCaller, TeamRecord } from '@/lib/teams/store';

const redis = { createScript: () => ({}) } as never;
const alice: TeamCaller = { userId: 'alice', kind: 'api-key' };
const team = (id: string, plan = 'team-plan'): TeamRecord => ({
  id,
  name: id,
  plan,
  createdAt: '2026-01-01T00:00:00.000Z',
});

/** A membership table the resolver reads through, counting its reads. */
function fakeStore() {
  const teams = new Map<string, TeamRecord>();
  const members = new Map<string, string>();
  const store = {
    teams,
    members,
    reads: 0,
    failNext: false,
    async find(_redis: unknown, caller: TeamCaller) {
      store.reads++;
      if (store.failNext) {
        store.failNext = false;
        throw new Error('store down');
      }
      const id = caller.teamId ?? members.get(caller.userId);
      return id === undefined ? undefined : teams.get(id);
    },
  };
  return store;
}

function setup() {
  const store = fakeStore();
  let time = 1_000_000;
  const resolver = createTeamResolver({ find: store.find, now: () => time });
  // Refreshes of expired answers wait here, as they would for the response to end.
  const deferred: Array<() => Promise<unknown>> = [];
  const resolve = (r: typeof redis, caller: TeamCaller) =>
    resolver(r, caller, (refresh) => deferred.push(refresh));
  const afterResponse = async () => {
    for (const refresh of deferred.splice(0)) await refresh();
  };
  return { store, resolve, afterResponse, deferred, advance: (ms: number) => (time += ms) };
}

describe('createTeamResolver', () => {
  it("gives a member their team's id and plan, and no team to a user outside one", async () => {
    const { store, resolve } = setup();
    store.teams.set('eng', team('eng', 'pro'));
    store.members.set('alice', 'eng');
    expect(await resolve(redis, alice)).toEqual({ id: 'eng', planName: 'pro' });
    expect(await resolve(redis, { userId: 'bob', kind: 'session' })).toBeUndefined();
  });

  it("lets a key's team override the user's membership, cached apart from it", async () => {
    const { store, resolve } = setup();
    store.teams.set('eng', team('eng'));
    store.teams.set('ops', team('ops'));
    store.members.set('alice', 'eng');
    expect(await resolve(redis, { ...alice, teamId: 'ops' })).toMatchObject({ id: 'ops' });
    expect(await resolve(redis, alice)).toMatchObject({ id: 'eng' });
  });

  it('never asks the store about a guest', async () => {
    const { store, resolve } = setup();
    store.members.set('guest_1', 'eng');
    store.teams.set('eng', team('eng'));
    expect(await resolve(redis, { userId: 'guest_1', kind: 'guest' })).toBeUndefined();
    expect(store.reads).toBe(0);
  });

  it('reuses an answer (a team or none) for 5 s; the next request still gets it and re-reads it after its response', async () => {
    const { store, resolve, afterResponse, advance } = setup();
    store.teams.set('eng', team('eng'));
    expect(await resolve(redis, alice)).toBeUndefined();
    store.members.set('alice', 'eng');
    advance(4_999);
    expect(await resolve(redis, alice)).toBeUndefined();
    expect(store.reads).toBe(1);
    advance(1);
    // Expired: served once more without waiting on the store, read again after the response.
    expect(await resolve(redis, alice)).toBeUndefined();
    expect(store.reads).toBe(1);
    await afterResponse();
    expect(store.reads).toBe(2);
    expect(await resolve(redis, alice)).toEqual({ id: 'eng', planName: 'team-plan' });
    expect(store.reads).toBe(2);
  });

  it('answers no team once the team is deleted, from the request after the refresh', async () => {
    const { store, resolve, afterResponse, advance } = setup();
    store.teams.set('eng', team('eng'));
    store.members.set('alice', 'eng');
    expect(await resolve(redis, alice)).toMatchObject({ id: 'eng' });
    store.teams.delete('eng');
    advance(5_000);
    expect(await resolve(redis, alice)).toMatchObject({ id: 'eng' });
    await afterResponse();
    expect(await resolve(redis, alice)).toBeUndefined();
  });

  it('refreshes an expired answer once however many requests see it, and keeps it when the refresh fails', async () => {
    const { store, resolve, afterResponse, deferred, advance } = setup();
    store.teams.set('eng', team('eng'));
    store.members.set('alice', 'eng');
    await resolve(redis, alice);
    advance(5_000);
    await Promise.all([resolve(redis, alice), resolve(redis, alice), resolve(redis, alice)]);
    expect(deferred).toHaveLength(1);
    store.failNext = true;
    await afterResponse();
    expect(store.reads).toBe(2);
    // The old answer still serves, and the next request schedules another refresh.
    expect(await resolve(redis, alice)).toMatchObject({ id: 'eng' });
    expect(deferred).toHaveLength(1);
    store.members.delete('alice');
    await afterResponse();
    expect(await resolve(redis, alice)).toBeUndefined();
    expect(store.reads).toBe(3);
  });

  it('shares one read between callers asking at once', async () => {
    const { store, resolve } = setup();
    store.teams.set('eng', team('eng'));
    store.members.set('alice', 'eng');
    const answers = await Promise.all(Array.from({ length: 10 }, () => resolve(redis, alice)));
    expect(store.reads).toBe(1);
    expect(new Set(answers.map((answer) => answer?.id))).toEqual(new Set(['eng']));
  });

  it('does not keep a failed read: the next request asks again', async () => {
    const { store, resolve } = setup();
    store.teams.set('eng', team('eng'));
    store.members.set('alice', 'eng');
    store.failNext = true;
    await expect(resolve(redis, alice)).rejects.toThrow('store down');
    expect(await resolve(redis, alice)).toMatchObject({ id: 'eng' });
    expect(store.reads).toBe(2);
  });

  it('drops the oldest answer beyond maxEntries', async () => {
    const store = fakeStore();
    const resolve = createTeamResolver({ find: store.find, maxEntries: 2, now: () => 0 });
    for (const userId of ['a', 'b', 'c', 'a']) await resolve(redis, { userId, kind: 'api-key' });
    expect(store.reads).toBe(4);
    await resolve(redis, { userId: 'c', kind: 'api-key' });
    expect(store.reads).toBe(4);
  });
});

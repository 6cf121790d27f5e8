import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '@/lib/limits/keys';
import { periodsAt } from '@/lib/limits/periods';
import { teamKeys, teamLedgerId } from '@/lib/teams/keys';
import { createTeamResolver } from '@/lib/teams/resolve';
import { findTeamOf } from '@/lib/teams/store';
import { projectRoot, startTestApp, type TestApp, testAdminToken } from '../support/app';

const run = promisify(execFile);
let app: TestApp;
let redis: Redis;
let memberKey: string;
let outsiderKey: string;

beforeAll(async () => {
  app = await startTestApp({
    gatewayConfig: { plans: { free: {}, 'team-small': { spendPerMonthUsd: 1 }, 'team-big': {} } },
  });
  redis = new Redis({ url: app.bridge.url, token: app.redisToken, enableAutoPipelining: false });
  memberKey = await app.createKey({ userId: 'teams-alice', plan: 'free' });
  outsiderKey = await app.createKey({ userId: 'teams-bob', plan: 'free' });
});
afterAll(async () => {
  await app?.stop();
});

interface TeamBody {
  id: string;
  name: string;
  plan: string;
  createdAt: string;
  members: string[];
}

function call(method: string, path: string, body?: unknown, token = testAdminToken) {
  return fetch(`${app.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function expectError(response: Response, status: number, code: string, param?: string) {
  const body = (await response.json()) as { error: Record<string, unknown> };
  expect(response.status, JSON.stringify(body)).toBe(status);
  expect(body.error.code).toBe(code);
  if (param !== undefined) expect(body.error.param).toBe(param);
}

async function createTeam(fields: { id?: string; name: string; plan: string }) {
  const response = await call('POST', '/api/teams', fields);
  expect(response.status).toBe(201);
  return (await response.json()) as TeamBody;
}

const teamIds = async () =>
  ((await (await call('GET', '/api/teams')).json()) as { teams: TeamBody[] }).teams.map(
    (team) => team.id,
  );

describe('the teams admin API', () => {
  it('creates a team with a generated or given id, lists, shows, renames and re-plans it', async () => {
    const generated = await createTeam({ name: 'Generated', plan: 'team-small' });
    expect(generated).toMatchObject({ name: 'Generated', plan: 'team-small', members: [] });
    expect(generated.id).toMatch(/^team_[\w-]+$/);
    expect(Date.parse(generated.createdAt)).not.toBeNaN();
    const given = await createTeam({ id: 'crud.team-1', name: 'Given', plan: 'team-big' });
    expect(given.id).toBe('crud.team-1');

    expect(await teamIds()).toEqual(expect.arrayContaining([generated.id, 'crud.team-1']));
    const shown = await call('GET', '/api/teams/crud.team-1');
    expect(shown.status).toBe(200);
    expect(await shown.json()).toEqual(given);

    // Renamed through Lua's JSON, which must keep every character as sent.
    const unusual = 'R&D / "Ünïcødé" ✓ 研究';
    const renamed = await call('PATCH', '/api/teams/crud.team-1', { name: unusual });
    expect(renamed.status).toBe(200);
    expect(await renamed.json()).toMatchObject({
      id: 'crud.team-1',
      name: unusual,
      plan: 'team-big',
    });
    await call('PATCH', '/api/teams/crud.team-1', { name: 'Renamed' });
    const replanned = await call('PATCH', '/api/teams/crud.team-1', { plan: 'team-small' });
    expect(await replanned.json()).toMatchObject({
      name: 'Renamed',
      plan: 'team-small',
      createdAt: given.createdAt,
    });
    // What is stored is the contract's record, which chat admission reads.
    expect(await redis.hget(teamKeys.teams(), 'crud.team-1')).toEqual({
      id: 'crud.team-1',
      name: 'Renamed',
      plan: 'team-small',
      createdAt: given.createdAt,
    });
  });

  it('refuses a bad body with a 400 naming the field, and changes nothing', async () => {
    await createTeam({ id: 'bad-body', name: 'Bad body', plan: 'team-small' });
    const before = await teamIds();
    const cases: [unknown, string][] = [
      [{ plan: 'team-small' }, 'name'],
      [{ name: 'x', plan: 'no-such-plan' }, 'plan'],
      [{ name: 'x', plan: 'team-small', id: 'has:colon' }, 'id'],
      [{ name: 'x', plan: 'team-small', id: 'a'.repeat(65) }, 'id'],
      [{ name: 'x', plan: 'team-small', id: 'bad-body' }, 'id'],
      [{ name: '   ', plan: 'team-small' }, 'name'],
    ];
    for (const [body, param] of cases) {
      await expectError(await call('POST', '/api/teams', body), 400, 'invalid_request', param);
    }
    await expectError(
      await call('PATCH', '/api/teams/bad-body', { plan: 'no-such-plan' }),
      400,
      'invalid_request',
      'plan',
    );
    await expectError(
      await call('PATCH', '/api/teams/bad-body', {}),
      400,
      'invalid_request',
      'name',
    );
    await expectError(
      await call('PATCH', '/api/teams/bad-body', { name: 'x', createdAt: 'now' }),
      400,
      'invalid_request',
    );
    expect(await teamIds()).toEqual(before);
    expect(await (await call('GET', '/api/teams/bad-body')).json()).toMatchObject({
      name: 'Bad body',
      plan: 'team-small',
    });
  });

  it('answers 404 not_found for an unknown team on every endpoint, writing nothing', async () => {
    const missing = '/api/teams/no-such-team';
    await expectError(await call('GET', missing), 404, 'not_found');
    await expectError(await call('PATCH', missing, { name: 'x' }), 404, 'not_found');
    await expectError(await call('DELETE', missing), 404, 'not_found');
    await expectError(await call('PUT', `${missing}/members/teams-ghost`), 404, 'not_found');
    await expectError(await call('DELETE', `${missing}/members/teams-ghost`), 404, 'not_found');
    expect(await redis.hget(teamKeys.teams(), 'no-such-team')).toBeNull();
    expect(await redis.hget(teamKeys.members(), 'teams-ghost')).toBeNull();
  });

  it('is for administrators only: 403 for a user key, 401 without credentials', async () => {
    await createTeam({ id: 'guarded', name: 'Guarded', plan: 'team-small' });
    const attempts: [string, string, unknown?][] = [
      ['POST', '/api/teams', { name: 'x', plan: 'team-small' }],
      ['GET', '/api/teams'],
      ['GET', '/api/teams/guarded'],
      ['PATCH', '/api/teams/guarded', { name: 'taken over' }],
      ['DELETE', '/api/teams/guarded'],
      ['PUT', '/api/teams/guarded/members/teams-alice'],
      ['DELETE', '/api/teams/guarded/members/teams-alice'],
    ];
    for (const [method, path, body] of attempts) {
      await expectError(await call(method, path, body, memberKey), 403, 'forbidden');
      const anonymous = await fetch(`${app.url}${path}`, { method });
      expect(anonymous.status).toBe(401);
    }
    expect(await (await call('GET', '/api/teams/guarded')).json()).toMatchObject({
      name: 'Guarded',
      members: [],
    });
  });
});

describe('team membership', () => {
  it('puts a user in one team at a time, moves them, removes them, and a deleted team takes its memberships along', async () => {
    await createTeam({ id: 'red', name: 'Red', plan: 'team-small' });
    await createTeam({ id: 'blue', name: 'Blue', plan: 'team-big' });

    const added = await call('PUT', '/api/teams/red/members/member.one@example.com');
    expect(added.status).toBe(200);
    expect(await added.json()).toEqual({
      teamId: 'red',
      userId: 'member.one@example.com',
      previousTeamId: null,
    });
    await call('PUT', '/api/teams/red/members/member-two');
    // Idempotent: the same PUT again changes nothing.
    expect(await (await call('PUT', '/api/teams/red/members/member-two')).json()).toMatchObject({
      previousTeamId: 'red',
    });
    expect(await (await call('GET', '/api/teams/red')).json()).toMatchObject({
      members: ['member-two', 'member.one@example.com'],
    });

    const moved = await call('PUT', '/api/teams/blue/members/member-two');
    expect(await moved.json()).toMatchObject({ teamId: 'blue', previousTeamId: 'red' });
    expect(await (await call('GET', '/api/teams/red')).json()).toMatchObject({
      members: ['member.one@example.com'],
    });
    expect(await (await call('GET', '/api/teams/blue')).json()).toMatchObject({
      members: ['member-two'],
    });

    // Taking a user out of a team they are not in is a 404 and leaves them where they are.
    await expectError(await call('DELETE', '/api/teams/red/members/member-two'), 404, 'not_found');
    expect(await redis.hget(teamKeys.members(), 'member-two')).toBe('blue');
    const removed = await call('DELETE', '/api/teams/blue/members/member-two');
    expect(await removed.json()).toEqual({ teamId: 'blue', userId: 'member-two' });
    expect(await redis.hget(teamKeys.members(), 'member-two')).toBeNull();

    await expectError(
      await call('PUT', '/api/teams/red/members/not%20a%20user'),
      400,
      'invalid_request',
      'userId',
    );

    const deleted = await call('DELETE', '/api/teams/red');
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toMatchObject({ id: 'red', members: ['member.one@example.com'] });
    expect(await redis.hget(teamKeys.members(), 'member.one@example.com')).toBeNull();
    expect(await teamIds()).not.toContain('red');
    // A new team under the old id starts empty.
    expect(
      (await createTeam({ id: 'red', name: 'Red again', plan: 'team-small' })).members,
    ).toEqual([]);
  });

  it("resolves a caller's team against the real store: the key's team over the membership, none for guests or a deleted team", async () => {
    await createTeam({ id: 'resolve-a', name: 'A', plan: 'team-small' });
    await createTeam({ id: 'resolve-b', name: 'B', plan: 'team-big' });
    await call('PUT', '/api/teams/resolve-a/members/resolve-user');
    const resolve = createTeamResolver({ ttlMs: 0 });
    const user = { userId: 'resolve-user', kind: 'api-key' };
    expect(await resolve(redis, user)).toEqual({ id: 'resolve-a', planName: 'team-small' });
    expect(await resolve(redis, { ...user, teamId: 'resolve-b' })).toEqual({
      id: 'resolve-b',
      planName: 'team-big',
    });
    expect(await resolve(redis, { ...user, kind: 'guest' })).toBeUndefined();
    expect(await resolve(redis, { userId: 'resolve-nobody', kind: 'api-key' })).toBeUndefined();
    await call('DELETE', '/api/teams/resolve-a');
    expect(await findTeamOf(redis, user)).toBeUndefined();
    expect(await resolve(redis, { ...user, teamId: 'resolve-gone' })).toBeUndefined();
  });
});

describe('GET /api/usage?teamId=', () => {
  it("shows a team's usage from the team ledger to an administrator and to a member, not to another user", async () => {
    await createTeam({ id: 'usage-team', name: 'Usage', plan: 'team-small' });
    await call('PUT', '/api/teams/usage-team/members/teams-alice');
    // Seeded as the settle script writes a team ledger (the limits branch writes it for chat
    // requests; the end-to-end test of team spend comes with that merge).
    const day = periodsAt(Date.now()).day;
    await redis.hset(redisKeys.usageDay(teamLedgerId('usage-team'), day), {
      requests: 3,
      input: 300,
      output: 120,
      tokens: 420,
      micro: 2_500,
      'm:openai/gpt-5.4:requests': 2,
      'm:openai/gpt-5.4:input': 200,
      'm:openai/gpt-5.4:output': 100,
      'm:openai/gpt-5.4:micro': 2_000,
      'm:demo/chat:requests': 1,
      'm:demo/chat:input': 100,
      'm:demo/chat:output': 20,
      'm:demo/chat:micro': 500,
      't:feature:chat:requests': 2,
      't:feature:chat:input': 150,
      't:feature:chat:output': 60,
      't:feature:chat:micro': 1_500,
    });
    // A member's own ledger is not the team's.
    await redis.hset(redisKeys.usageDay('teams-alice', day), { requests: 50, micro: 90_000 });

    const expected = {
      teamId: 'usage-team',
      plan: 'team-small',
      totals: { requests: 3, inputTokens: 300, outputTokens: 120, costUsd: 0.0025 },
      byModel: [
        {
          model: 'openai/gpt-5.4',
          requests: 2,
          inputTokens: 200,
          outputTokens: 100,
          costUsd: 0.002,
        },
        { model: 'demo/chat', requests: 1, inputTokens: 100, outputTokens: 20, costUsd: 0.0005 },
      ],
    };
    const asAdmin = await call('GET', '/api/usage?teamId=usage-team&period=day');
    expect(asAdmin.status).toBe(200);
    const report = await asAdmin.json();
    expect(report).toMatchObject(expected);
    expect(report.byDay).toEqual([{ day, ...expected.totals }]);
    expect(report.byTag).toEqual([
      { tag: 'feature:chat', requests: 2, inputTokens: 150, outputTokens: 60, costUsd: 0.0015 },
    ]);
    expect(Object.keys(report).sort()).toEqual(
      ['byDay', 'byModel', 'byTag', 'period', 'plan', 'teamId', 'totals'].sort(),
    );

    const asMember = await call('GET', '/api/usage?teamId=usage-team', undefined, memberKey);
    expect(asMember.status).toBe(200);
    expect(await asMember.json()).toMatchObject(expected);

    await expectError(
      await call('GET', '/api/usage?teamId=usage-team', undefined, outsiderKey),
      403,
      'forbidden',
    );
    // Taking the member out refuses them at once: access is read uncached.
    await call('DELETE', '/api/teams/usage-team/members/teams-alice');
    await expectError(
      await call('GET', '/api/usage?teamId=usage-team', undefined, memberKey),
      403,
      'forbidden',
    );
  });

  it('answers 404 for an unknown team to an administrator, 403 to anyone else, 400 for a bad query', async () => {
    await expectError(await call('GET', '/api/usage?teamId=no-such-team'), 404, 'not_found');
    await expectError(
      await call('GET', '/api/usage?teamId=no-such-team', undefined, outsiderKey),
      403,
      'forbidden',
    );
    await expectError(await call('GET', '/api/usage?teamId=a:b'), 400, 'invalid_request', 'teamId');
    await expectError(
      await call('GET', '/api/usage?teamId=usage-team&userId=teams-alice'),
      400,
      'invalid_request',
      'teamId',
    );
    const unauthenticated = await fetch(`${app.url}/api/usage?teamId=usage-team`);
    expect(unauthenticated.status).toBe(401);
  });
});

/** Nothing of this process's env but PATH: the CLI finds Tollgate and its token from these. */
function cliEnv(): NodeJS.ProcessEnv {
  // Next types NODE_ENV as always present; the CLI does without it.
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    ADMIN_TOKEN: testAdminToken,
    TOLLGATE_URL: app.url,
  };
  return env as NodeJS.ProcessEnv;
}

describe('npm run teams (the CLI against the running build)', () => {
  const cli = async (...args: string[]) => {
    try {
      const { stdout } = await run(process.execPath, ['scripts/teams.mjs', ...args], {
        cwd: projectRoot,
        env: cliEnv(),
      });
      return { code: 0, stdout, stderr: '' };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };

  it('creates, lists, shows, renames, re-plans, assigns, unassigns and deletes a team', async () => {
    const created = await cli('create', '--name', 'CLI team', '--plan', 'team-small', '--json');
    expect(created.code, created.stderr).toBe(0);
    const team = JSON.parse(created.stdout) as TeamBody;
    expect(team).toMatchObject({ name: 'CLI team', plan: 'team-small' });

    const given = await cli('create', '--name', 'Given', '--plan', 'team-big', '--id', 'cli-given');
    expect(given.stdout).toContain('Created cli-given');
    expect((await cli('list')).stdout).toMatch(new RegExp(`${team.id}\\s+CLI team\\s+team-small`));

    expect((await cli('add-member', team.id, 'cli-user')).stdout).toContain(
      `cli-user is in ${team.id}`,
    );
    expect((await cli('add-member', 'cli-given', 'cli-user')).stdout).toContain(
      `(moved from ${team.id})`,
    );
    expect((await cli('show', 'cli-given')).stdout).toContain('members: cli-user');
    expect((await cli('rename', 'cli-given', '--name', 'Renamed')).code).toBe(0);
    expect((await cli('set-plan', 'cli-given', '--plan', 'team-small')).code).toBe(0);
    expect(await (await call('GET', '/api/teams/cli-given')).json()).toMatchObject({
      name: 'Renamed',
      plan: 'team-small',
      members: ['cli-user'],
    });
    expect((await cli('remove-member', 'cli-given', 'cli-user')).code).toBe(0);
    expect(await redis.hget(teamKeys.members(), 'cli-user')).toBeNull();
    expect((await cli('delete', team.id)).stdout).toContain(`Deleted ${team.id}`);
    expect(await teamIds()).not.toContain(team.id);
  });

  it("exits 1 with the API's message for a refused command, 2 for a malformed one", async () => {
    const badPlan = await cli('set-plan', 'cli-given', '--plan', 'no-such-plan');
    expect(badPlan.code).toBe(1);
    expect(badPlan.stderr).toContain('unknown plan "no-such-plan" (HTTP 400)');
    const missing = await cli('show', 'no-such-team');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No team has the id "no-such-team". (HTTP 404)');
    expect((await cli('create', '--plan', 'team-small')).stderr).toContain('create needs --name');
    expect((await cli('frobnicate')).code).toBe(2);
  });
});

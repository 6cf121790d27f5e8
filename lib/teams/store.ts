import type { Redis } from '@upstash/redis';
import { z } from 'zod';
import { randomToken } from '@/lib/auth/encoding';
import { ownEntry } from '@/lib/config';
import { GatewayError } from '@/lib/errors';
import { teamKeys } from './keys';
import {
  deleteTeamScript,
  findTeamScript,
  removeMemberScript,
  setMemberScript,
  updateTeamScript,
} from './scripts';

// Teams live in two hashes (lib/teams/keys.ts): the records, and user -> team. A user is in at
// most one team, so membership is one field and chat admission finds a user's team in one read.
// Listing a team's members scans the memberships: an admin read, bounded by the user count.

export interface TeamRecord {
  id: string;
  name: string;
  /** A key of the config's `plans`: the team's own limits, on top of each member's. */
  plan: string;
  /** ISO 8601. */
  createdAt: string;
}

export interface Team extends TeamRecord {
  /** The members' user ids, sorted. */
  members: string[];
}

/** Who asks for their team: a key may name one, which wins over the user's membership. */
export interface TeamCaller {
  userId: string;
  kind: string;
  teamId?: string;
}

/** The Redis calls of the store; `@upstash/redis`'s `Redis` satisfies it. */
export type TeamRedis = Pick<Redis, 'createScript' | 'hsetnx' | 'pipeline'>;

const recordSchema = z.object({
  id: z.string(),
  name: z.string(),
  plan: z.string(),
  createdAt: z.string(),
});

/** `@upstash/redis` parses JSON replies itself; a raw string is parsed here. */
function readRecord(value: unknown): TeamRecord | undefined {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const result = recordSchema.safeParse(parsed);
  return result.success ? result.data : undefined;
}

interface TeamScript {
  exec(keys: string[], args: string[]): Promise<unknown>;
}

const loadedScripts = new WeakMap<object, Map<string, TeamScript>>();

/** One script object per client and source, so its SHA-1 is computed once, not per call. */
function scriptOf(redis: Pick<Redis, 'createScript'>, source: string): TeamScript {
  const ofClient = loadedScripts.get(redis) ?? new Map<string, TeamScript>();
  loadedScripts.set(redis, ofClient);
  let script = ofClient.get(source);
  if (!script) {
    script = redis.createScript<unknown>(source);
    ofClient.set(source, script);
  }
  return script;
}

const notFound = (id: string) => new GatewayError('not_found', `No team has the id "${id}".`);

/** A team's plan must be one the config defines. */
function checkPlan(plans: Readonly<Record<string, unknown>>, plan: string): void {
  if (!ownEntry(plans, plan)) {
    throw new GatewayError('invalid_request', `plan: unknown plan "${plan}"`, { param: 'plan' });
  }
}

export async function createTeam(
  redis: TeamRedis,
  fields: { id?: string; name: string; plan: string },
  { plans, now = Date.now() }: { plans: Readonly<Record<string, unknown>>; now?: number },
): Promise<Team> {
  checkPlan(plans, fields.plan);
  const record: TeamRecord = {
    id: fields.id ?? `team_${randomToken(9)}`,
    name: fields.name,
    plan: fields.plan,
    createdAt: new Date(now).toISOString(),
  };
  const created = await redis.hsetnx(teamKeys.teams(), record.id, JSON.stringify(record));
  if (created !== 1) {
    throw new GatewayError('invalid_request', `id: a team with the id "${record.id}" exists`, {
      param: 'id',
    });
  }
  return { ...record, members: [] };
}

/** Every team with its members, oldest first; one round trip. */
export async function listTeams(redis: TeamRedis): Promise<Team[]> {
  const [records, memberships] = await redis
    .pipeline()
    .hgetall(teamKeys.teams())
    .hgetall(teamKeys.members())
    .exec<[Record<string, unknown> | null, Record<string, unknown> | null]>();
  const members = new Map<string, string[]>();
  for (const [userId, teamId] of Object.entries(memberships ?? {})) {
    // A team id such as "123" comes back as a number.
    const id = String(teamId);
    members.set(id, [...(members.get(id) ?? []), userId]);
  }
  return Object.values(records ?? {})
    .map(readRecord)
    .filter((record): record is TeamRecord => record !== undefined)
    .map((record) => ({ ...record, members: (members.get(record.id) ?? []).sort() }))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

export async function getTeam(redis: TeamRedis, id: string): Promise<Team> {
  const team = (await listTeams(redis)).find((candidate) => candidate.id === id);
  if (!team) throw notFound(id);
  return team;
}

export async function updateTeam(
  redis: TeamRedis,
  id: string,
  fields: { name?: string; plan?: string },
  { plans }: { plans: Readonly<Record<string, unknown>> },
): Promise<Team> {
  if (fields.plan !== undefined) checkPlan(plans, fields.plan);
  const updated = await scriptOf(redis, updateTeamScript).exec(
    [teamKeys.teams()],
    [id, fields.name ?? '', fields.plan ?? ''],
  );
  if (!readRecord(updated)) throw notFound(id);
  return getTeam(redis, id);
}

/** Deletes a team and its memberships; returns the team as it was. */
export async function deleteTeam(redis: TeamRedis, id: string): Promise<Team> {
  const reply = await scriptOf(redis, deleteTeamScript).exec(
    [teamKeys.teams(), teamKeys.members()],
    [id],
  );
  const record = Array.isArray(reply) ? readRecord(reply[0]) : undefined;
  if (!record || !Array.isArray(reply)) throw notFound(id);
  // Member ids such as "42" come back as numbers.
  return { ...record, members: reply.slice(1).map(String).sort() };
}

/** Puts a user in a team, out of any other (one team per user). */
export async function setTeamMember(
  redis: TeamRedis,
  teamId: string,
  userId: string,
): Promise<{ teamId: string; userId: string; previousTeamId: string | null }> {
  const reply = await scriptOf(redis, setMemberScript).exec(
    [teamKeys.teams(), teamKeys.members()],
    [teamId, userId],
  );
  if (!Array.isArray(reply)) throw notFound(teamId);
  const previous = reply[1] === '' || reply[1] === null ? null : String(reply[1]);
  return { teamId, userId, previousTeamId: previous };
}

export async function removeTeamMember(
  redis: TeamRedis,
  teamId: string,
  userId: string,
): Promise<{ teamId: string; userId: string }> {
  const removed = await scriptOf(redis, removeMemberScript).exec(
    [teamKeys.teams(), teamKeys.members()],
    [teamId, userId],
  );
  if (removed === -1) throw notFound(teamId);
  if (removed !== 1) {
    throw new GatewayError('not_found', `The user "${userId}" is not in the team "${teamId}".`);
  }
  return { teamId, userId };
}

/** One round trip: the team `teamId` names, else (`teamId` '') the team `userId` is in. */
async function readTeam(
  redis: Pick<Redis, 'createScript'>,
  teamId: string,
  userId: string,
): Promise<TeamRecord | undefined> {
  const keys = [teamKeys.teams(), teamKeys.members()];
  return readRecord(await scriptOf(redis, findTeamScript).exec(keys, [teamId, userId]));
}

/**
 * The team of a caller, read now (uncached): the key's team when it names one, else the user's
 * membership; none for a guest, or when the team was deleted.
 */
export function findTeamOf(
  redis: Pick<Redis, 'createScript'>,
  caller: TeamCaller,
): Promise<TeamRecord | undefined> {
  if (caller.kind === 'guest') return Promise.resolve(undefined);
  return readTeam(redis, caller.teamId ?? '', caller.userId);
}

/** A team by id, read now; undefined when there is none. */
export function findTeam(
  redis: Pick<Redis, 'createScript'>,
  teamId: string,
): Promise<TeamRecord | undefined> {
  return readTeam(redis, teamId, '');
}

import type { Redis } from '@upstash/redis';
import { findTeamOf, type TeamCaller, type TeamRecord } from './store';

/** The team whose plan applies to a chat request on top of the caller's own. */
export interface ResolvedTeam {
  id: string;
  planName: string;
}

export type TeamResolver = (
  redis: Pick<Redis, 'createScript'>,
  identity: TeamCaller,
) => Promise<ResolvedTeam | undefined>;

export interface TeamResolverOptions {
  /**
   * How long an answer is reused before Redis is asked again. Default: 5 s. So a membership
   * change, a team's new plan or its deletion reaches an instance within this long.
   */
  ttlMs?: number;
  /** Answers kept at most; the oldest goes first. Default: 10,000. */
  maxEntries?: number;
  now?: () => number;
  /** Reads the caller's team from Redis. Default: `findTeamOf` (one round trip). */
  find?: (
    redis: Pick<Redis, 'createScript'>,
    caller: TeamCaller,
  ) => Promise<TeamRecord | undefined>;
}

interface Entry {
  expiresAt: number;
  answer: Promise<ResolvedTeam | undefined>;
}

/**
 * The caller's team, `identity.teamId ?? membership(identity.userId)`, cached in the isolate so
 * that a chat request in steady state costs no Redis round trip to learn it. Callers asking at
 * once share one read; "no team" is cached too; a failed read is not. Guests have no team.
 */
export function createTeamResolver({
  ttlMs = 5_000,
  maxEntries = 10_000,
  now = Date.now,
  find = findTeamOf,
}: TeamResolverOptions = {}): TeamResolver {
  const entries = new Map<string, Entry>();
  return (redis, identity) => {
    if (identity.kind === 'guest') return Promise.resolve(undefined);
    // A key's team is a different answer from its user's membership: cached apart.
    const key =
      identity.teamId !== undefined
        ? `team\u0000${identity.teamId}`
        : `user\u0000${identity.userId}`;
    const time = now();
    const cached = entries.get(key);
    if (cached && cached.expiresAt > time) return cached.answer;
    entries.delete(key);
    if (entries.size >= maxEntries) {
      const oldest = entries.keys().next();
      if (!oldest.done) entries.delete(oldest.value);
    }
    const answer = find(redis, identity).then((team) =>
      team ? { id: team.id, planName: team.plan } : undefined,
    );
    // Counted from the read's start: an answer is never older than the TTL when used.
    const entry: Entry = { expiresAt: time + ttlMs, answer };
    entries.set(key, entry);
    answer.catch(() => {
      if (entries.get(key) === entry) entries.delete(key);
    });
    return answer;
  };
}

/** The isolate's resolver (TTL 5 s). */
export const resolveTeam: TeamResolver = createTeamResolver();

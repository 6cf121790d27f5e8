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
  /** Runs a refresh of an expired answer after the response. Default: at once. */
  defer?: (refresh: () => Promise<unknown>) => void,
) => Promise<ResolvedTeam | undefined>;

export interface TeamResolverOptions {
  /**
   * How long an answer is fresh. Default: 5 s. An expired answer still serves the next request
   * while it is read again, after that request's response; so a membership change, a team's new
   * plan or its deletion applies on an instance within this long and one request.
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
  /** Set once the read succeeded: what an expired entry still answers while it is refreshed. */
  known?: { team: ResolvedTeam | undefined };
  refreshing?: boolean;
}

/**
 * The caller's team, `identity.teamId ?? membership(identity.userId)`, cached in the isolate so
 * that a chat request in steady state costs no Redis round trip to learn it: an expired answer
 * is served once more and read again after the response (stale while revalidate). Callers asking
 * at once share one read; "no team" is cached too; a failed read is not. Guests have no team.
 */
export function createTeamResolver({
  ttlMs = 5_000,
  maxEntries = 10_000,
  now = Date.now,
  find = findTeamOf,
}: TeamResolverOptions = {}): TeamResolver {
  const entries = new Map<string, Entry>();

  function read(key: string, redis: Pick<Redis, 'createScript'>, identity: TeamCaller): Entry {
    const time = now();
    const answer = find(redis, identity).then((team) =>
      team ? { id: team.id, planName: team.plan } : undefined,
    );
    // Counted from the read's start: a fresh answer is never older than the TTL when used.
    const entry: Entry = { expiresAt: time + ttlMs, answer };
    answer.then(
      (team) => {
        entry.known = { team };
      },
      () => {
        if (entries.get(key) === entry) entries.delete(key);
      },
    );
    return entry;
  }

  function remember(key: string, entry: Entry) {
    entries.delete(key);
    if (entries.size >= maxEntries) {
      const oldest = entries.keys().next();
      if (!oldest.done) entries.delete(oldest.value);
    }
    entries.set(key, entry);
  }

  return (redis, identity, defer = (refresh) => void refresh()) => {
    if (identity.kind === 'guest') return Promise.resolve(undefined);
    // A key's team is a different answer from its user's membership: cached apart.
    const key =
      identity.teamId !== undefined
        ? `team\u0000${identity.teamId}`
        : `user\u0000${identity.userId}`;
    const cached = entries.get(key);
    if (cached && cached.expiresAt > now()) return cached.answer;
    if (cached?.known) {
      if (!cached.refreshing) {
        cached.refreshing = true;
        defer(async () => {
          const fresh = read(key, redis, identity);
          // A failed refresh keeps the old answer; the next request tries again.
          await fresh.answer.then(
            () => entries.get(key) === cached && remember(key, fresh),
            () => {
              cached.refreshing = false;
            },
          );
        });
      }
      return Promise.resolve(cached.known.team);
    }
    const entry = read(key, redis, identity);
    remember(key, entry);
    return entry.answer;
  };
}

/** The isolate's resolver (TTL 5 s). */
export const resolveTeam: TeamResolver = createTeamResolver();

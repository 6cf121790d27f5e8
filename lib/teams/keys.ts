// The Redis keys and ledger id of teams. They sit beside the store rather than in
// lib/limits/keys.ts (another helper's file): `tg:teams` and `tg:team-members` are the shared
// contract that chat admission reads too, and `team:<id>` is the ledger the settle script writes.

export const teamKeys = {
  /** HASH team id -> the team's record, JSON `{ id, name, plan, createdAt }`. */
  teams: () => 'tg:teams',
  /** HASH user id -> team id: a user belongs to at most one team. */
  members: () => 'tg:team-members',
} as const;

/** Whose usage a hash holds: a team's ledger id (`redisKeys.usageDay(teamLedgerId(id), day)`). */
export const teamLedgerId = (teamId: string) => `team:${teamId}`;

/** Team ids: given by the admin or generated (`team_…`); never a colon, as ledger ids need. */
export const teamIdPattern = /^[\w.-]{1,64}$/;

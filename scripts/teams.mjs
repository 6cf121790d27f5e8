// `npm run teams -- <command>`: creates, lists, changes and deletes teams of a running Tollgate,
// and assigns users to them, through its /api/teams endpoints (as `npm run keys` does for keys),
// so it works the same against local dev and a deployment.
import {
  CliError,
  connectionOptions,
  connectionOptionsHelp,
  formatTable,
  runAdminCli,
} from './admin-api.mjs';

const usage = `usage: npm run teams -- <command> [options]

commands:
  create --name <name> --plan <plan> [--id <id>]   create a team (id generated unless given)
  list                                             list teams with their members
  show <id>                                        one team and its members
  rename <id> --name <name>                        rename a team
  set-plan <id> --plan <plan>                      change a team's plan
  delete <id>                                      delete a team and its memberships
  add-member <id> <user>                           put a user in the team (out of any other)
  remove-member <id> <user>                        take a user out of the team

A user is in at most one team; an API key created with a teamId uses that team instead.
Membership changes apply on every instance within 5 seconds and one request.

${connectionOptionsHelp}`;

const options = {
  name: { type: 'string' },
  plan: { type: 'string' },
  id: { type: 'string' },
  ...connectionOptions,
};

const teamPath = (id) => `/api/teams/${encodeURIComponent(id)}`;
const memberPath = (id, user) => `${teamPath(id)}/members/${encodeURIComponent(user)}`;

function describeTeam(team) {
  const members = team.members?.length ? team.members.join(', ') : '(none)';
  return `${team.id}  "${team.name}"  plan ${team.plan}  created ${team.createdAt}\nmembers: ${members}`;
}

function need(value, message) {
  if (!value) throw new CliError(message);
  return value;
}

/** Each command: what it sends, and how it prints the answer when not --json. */
const commands = {
  create: {
    send: (api, _args, values) =>
      api('POST', '/api/teams', {
        name: need(values.name, 'create needs --name <name>'),
        plan: need(values.plan, 'create needs --plan <plan>'),
        ...(values.id ? { id: values.id } : {}),
      }),
    print: (team) => `Created ${team.id} ("${team.name}", plan ${team.plan}).`,
  },
  list: {
    send: (api) => api('GET', '/api/teams'),
    print: ({ teams }) => {
      if (teams.length === 0) return 'No teams.';
      const header = ['ID', 'NAME', 'PLAN', 'MEMBERS', 'CREATED'];
      const rows = teams.map((team) => [
        team.id,
        team.name,
        team.plan,
        String(team.members.length),
        team.createdAt,
      ]);
      return formatTable([header, ...rows]);
    },
  },
  show: {
    send: (api, [id]) => api('GET', teamPath(need(id, 'show needs the team id'))),
    print: describeTeam,
  },
  rename: {
    send: (api, [id], values) =>
      api('PATCH', teamPath(need(id, 'rename needs the team id')), {
        name: need(values.name, 'rename needs --name <name>'),
      }),
    print: (team) => `Renamed ${team.id} to "${team.name}".`,
  },
  'set-plan': {
    send: (api, [id], values) =>
      api('PATCH', teamPath(need(id, 'set-plan needs the team id')), {
        plan: need(values.plan, 'set-plan needs --plan <plan>'),
      }),
    print: (team) => `${team.id} is on plan ${team.plan}.`,
  },
  delete: {
    send: (api, [id]) => api('DELETE', teamPath(need(id, 'delete needs the team id'))),
    print: (team) => `Deleted ${team.id} and its ${team.members.length} membership(s).`,
  },
  'add-member': {
    send: (api, [id, user]) =>
      api(
        'PUT',
        memberPath(
          need(id, 'add-member needs <id> <user>'),
          need(user, 'add-member needs <id> <user>'),
        ),
      ),
    print: (member) =>
      `${member.userId} is in ${member.teamId}${member.previousTeamId ? ` (moved from ${member.previousTeamId})` : ''}.`,
  },
  'remove-member': {
    send: (api, [id, user]) =>
      api(
        'DELETE',
        memberPath(
          need(id, 'remove-member needs <id> <user>'),
          need(user, 'remove-member needs <id> <user>'),
        ),
      ),
    print: (member) => `${member.userId} is no longer in ${member.teamId}.`,
  },
};

process.exitCode = await runAdminCli({
  usage,
  options,
  commands: Object.keys(commands),
  run: async ({ api, command, rest, values }) => {
    const { send, print } = commands[command];
    const answer = await send(api, rest, values);
    console.log(values.json ? JSON.stringify(answer, null, 2) : print(answer));
  },
});

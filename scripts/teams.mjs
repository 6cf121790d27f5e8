// `npm run teams -- <command>`: creates, lists, changes and deletes teams of a running Tollgate,
// and assigns users to them, through its /api/teams endpoints (as `npm run keys` does for keys),
// so it works the same against local dev and a deployment.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

const REQUEST_TIMEOUT_MS = 15_000;
const localTokenFile = new URL('../.tmp/local-admin-token', import.meta.url);

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
Membership changes reach every instance within 5 seconds.

options:
  --url <url>             Tollgate's base URL. Default: $TOLLGATE_URL, else
                          http://127.0.0.1:$PORT (PORT defaults to 3000)
  --admin-token <token>   Default: $ADMIN_TOKEN, else .tmp/local-admin-token (written by
                          npm run dev). Prefer the env var: arguments show up in ps.
  --json                  print the API's JSON instead
  -h, --help`;

class CliError extends Error {}

const options = {
  name: { type: 'string' },
  plan: { type: 'string' },
  id: { type: 'string' },
  url: { type: 'string' },
  'admin-token': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

async function readAdminToken(flag) {
  const token = flag ?? process.env.ADMIN_TOKEN;
  if (token) return token;
  try {
    return (await readFile(localTokenFile, 'utf8')).trim();
  } catch {
    throw new CliError(
      'no admin token: pass --admin-token, set ADMIN_TOKEN, or start the app with npm run dev',
    );
  }
}

function baseUrlOf(flag) {
  const url = flag ?? process.env.TOLLGATE_URL ?? `http://127.0.0.1:${process.env.PORT || 3000}`;
  return url.replace(/\/+$/, '');
}

/** Calls the API; an error reply becomes a CliError carrying the API's own message. */
async function callApi(baseUrl, token, method, path, body) {
  let response;
  try {
    response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    const reason = error instanceof Error ? (error.cause?.message ?? error.message) : error;
    throw new CliError(`could not reach Tollgate at ${baseUrl}: ${reason}`);
  }
  const text = await response.text();
  let payload;
  try {
    payload = text ? JSON.parse(text) : null;
  } catch {
    payload = null;
  }
  if (!response.ok) {
    const message = payload?.error?.message ?? `${response.status} ${response.statusText}`;
    throw new CliError(`${message} (HTTP ${response.status})`);
  }
  return payload;
}

function formatTable(rows) {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

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

async function main() {
  let parsed;
  try {
    parsed = parseArgs({ options, allowPositionals: true });
  } catch (error) {
    console.error(`${error.message}\n\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(usage);
    return values.help ? 0 : 2;
  }
  if (!Object.hasOwn(commands, command)) {
    console.error(`unknown command "${command}"\n\n${usage}`);
    return 2;
  }
  try {
    const baseUrl = baseUrlOf(values.url);
    const token = await readAdminToken(values['admin-token']);
    const api = (method, path, body) => callApi(baseUrl, token, method, path, body);
    const { send, print } = commands[command];
    const answer = await send(api, rest, values);
    console.log(values.json ? JSON.stringify(answer, null, 2) : print(answer));
    return 0;
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    console.error(`tollgate: ${error.message}`);
    return 1;
  }
}

process.exitCode = await main();

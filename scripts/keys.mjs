// `npm run keys -- <command>`: creates, lists, rotates and revokes API keys of a running Tollgate
// through its /api/keys endpoints, so it works the same against local dev and a deployment.
import {
  CliError,
  connectionOptions,
  connectionOptionsHelp,
  formatTable,
  runAdminCli,
} from './admin-api.mjs';

const usage = `usage: npm run keys -- <command> [options]

commands:
  create --user <id> [--plan <plan>] [--name <name>]   create a key; it is shown once
         [--team <id>] [--expires <ISO 8601>]         its team, when it stops working,
         [--models <pattern,...>]                     the models it may use (openai/*),
         [--limits '<json>']                          its own limits ('{"spendPerDayUsd":5}')
  list                                                 list keys (never their secrets)
  rotate <id> [--grace <seconds>]                      a new secret, shown once; the old one
                                                       works for --grace more (default 0)
  revoke <id>                                          revoke a key, effective at once

${connectionOptionsHelp}`;

const options = {
  user: { type: 'string' },
  plan: { type: 'string' },
  name: { type: 'string' },
  team: { type: 'string' },
  expires: { type: 'string' },
  models: { type: 'string' },
  limits: { type: 'string' },
  grace: { type: 'string' },
  ...connectionOptions,
};

function parseLimits(text) {
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`--limits must be JSON, e.g. '{"spendPerDayUsd":5}'`);
  }
}

/** The key's policy from the flags; the API validates it (a past expiry, an unknown team). */
function policyOf(values) {
  return {
    ...(values.team ? { teamId: values.team } : {}),
    ...(values.expires ? { expiresAt: values.expires } : {}),
    ...(values.models
      ? { allowedModels: values.models.split(',').map((pattern) => pattern.trim()) }
      : {}),
    ...(values.limits ? { limits: parseLimits(values.limits) } : {}),
  };
}

function printSecret(key) {
  console.log(`\n  ${key}\n`);
  console.log('Store it now: it is not shown again.');
}

async function createKey(api, values, json) {
  if (!values.user) throw new CliError('create needs --user <id>');
  const created = await api('POST', '/api/keys', {
    userId: values.user,
    ...(values.plan ? { plan: values.plan } : {}),
    ...(values.name ? { name: values.name } : {}),
    ...policyOf(values),
  });
  if (json) return console.log(JSON.stringify(created, null, 2));
  console.log(
    `Created ${created.id} for ${created.userId} (plan ${created.plan}, "${created.name}").`,
  );
  printSecret(created.key);
}

async function rotateKey(api, id, values, json) {
  if (!id) throw new CliError('rotate needs the key id: npm run keys -- rotate <id> --grace 3600');
  const graceSeconds = values.grace === undefined ? 0 : Number(values.grace);
  if (!Number.isInteger(graceSeconds) || graceSeconds < 0) {
    throw new CliError('--grace takes whole seconds, e.g. --grace 3600');
  }
  const rotated = await api('POST', `/api/keys/${encodeURIComponent(id)}/rotate`, {
    graceSeconds,
  });
  if (json) return console.log(JSON.stringify(rotated, null, 2));
  console.log(
    graceSeconds > 0
      ? `Rotated ${id}: the old secret works until ${rotated.previousSecretExpiresAt}.`
      : `Rotated ${id}: the old secret no longer works.`,
  );
  printSecret(rotated.key);
}

async function listKeys(api, json) {
  const { keys } = await api('GET', '/api/keys');
  if (json) return console.log(JSON.stringify(keys, null, 2));
  if (keys.length === 0) return console.log('No API keys.');
  const header = ['ID', 'USER', 'PLAN', 'TEAM', 'NAME', 'MODELS', 'EXPIRES', 'LAST USED'];
  const rows = keys.map((key) => [
    key.id,
    key.userId,
    key.plan,
    key.teamId ?? '-',
    key.name,
    key.allowedModels?.join(',') ?? '*',
    key.expiresAt ? `${key.expiresAt}${key.expired ? ' (expired)' : ''}` : 'never',
    key.lastUsedAt ?? 'never',
  ]);
  console.log(formatTable([header, ...rows]));
}

async function revokeKey(api, id, json) {
  if (!id) throw new CliError('revoke needs the key id: npm run keys -- revoke <id>');
  const revoked = await api('DELETE', `/api/keys/${encodeURIComponent(id)}`);
  if (json) return console.log(JSON.stringify(revoked, null, 2));
  console.log(`Revoked ${id}.`);
}

process.exitCode = await runAdminCli({
  usage,
  options,
  commands: ['create', 'list', 'rotate', 'revoke'],
  run: async ({ api, command, rest, values }) => {
    if (command === 'create') await createKey(api, values, values.json);
    else if (command === 'list') await listKeys(api, values.json);
    else if (command === 'rotate') await rotateKey(api, rest[0], values, values.json);
    else await revokeKey(api, rest[0], values.json);
  },
});

// What the admin CLIs (`npm run keys`, `npm run teams`) share: finding the admin token and the
// base URL, calling the admin API, printing a table.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

const REQUEST_TIMEOUT_MS = 15_000;
const localTokenFile = new URL('../.tmp/local-admin-token', import.meta.url);

/** The options every admin CLI takes, for `parseArgs`, and their help. */
export const connectionOptions = {
  url: { type: 'string' },
  'admin-token': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

export const connectionOptionsHelp = `options:
  --url <url>             Tollgate's base URL. Default: $TOLLGATE_URL, else
                          http://127.0.0.1:$PORT (PORT defaults to 3000)
  --admin-token <token>   Default: $ADMIN_TOKEN, else .tmp/local-admin-token (written by
                          npm run dev). Prefer the env var: arguments show up in ps.
  --json                  print the API's JSON instead
  -h, --help`;

/** A failure to report in one line and exit 1 (not a bug: no stack trace). */
export class CliError extends Error {}

export async function readAdminToken(flag) {
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

export function baseUrlOf(flag) {
  const url = flag ?? process.env.TOLLGATE_URL ?? `http://127.0.0.1:${process.env.PORT || 3000}`;
  return url.replace(/\/+$/, '');
}

/** Calls the API; an error reply becomes a CliError carrying the API's own message. */
export async function callApi(baseUrl, token, method, path, body) {
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

export function formatTable(rows) {
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

/**
 * Runs an admin CLI: parses the arguments, prints the usage for `--help`, no command or an
 * unknown one, then calls `run` with an API client for the command. Resolves to the exit code:
 * 0 done, 1 a failure reported in one line (a CliError), 2 a usage error.
 */
export async function runAdminCli({ usage, options, commands, run }) {
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
  if (!commands.includes(command)) {
    console.error(`unknown command "${command}"\n\n${usage}`);
    return 2;
  }
  try {
    const baseUrl = baseUrlOf(values.url);
    const token = await readAdminToken(values['admin-token']);
    const api = (method, path, body) => callApi(baseUrl, token, method, path, body);
    await run({ api, command, rest, values });
    return 0;
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    console.error(`tollgate: ${error.message}`);
    return 1;
  }
}

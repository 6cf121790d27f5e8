#!/usr/bin/env node
// Installs the test-only agent clients (Claude Code, Codex, the Anthropic SDK, the OpenAI Agents
// SDK) into tests/agents/node_modules when they are missing or the lockfile changed. They weigh
// ~900 MB, so they live here and never in what a user installs to run the app.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const stamp = `${dir}node_modules/.installed-lock-sha256`;

export function ensureAgentClients() {
  const lockHash = createHash('sha256')
    .update(readFileSync(`${dir}package-lock.json`))
    .digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === lockHash) return;
  console.log('Installing the agent clients into tests/agents ...');
  const npm = (command) =>
    spawnSync('npm', [command, '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: dir,
      stdio: 'inherit',
    }).status === 0;
  // As in scripts/bootstrap.sh: `npm ci` refuses a lockfile a one-platform mirror produced,
  // `npm install` honours the same lockfile.
  if (!npm('ci') && !npm('install')) throw new Error('installing tests/agents failed');
  writeFileSync(stamp, lockHash);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) ensureAgentClients();

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ensureAgentClients } from '../agents/install.mjs';
import { projectRoot } from '../support/app';

/**
 * Integration tests run the production build; build it once if `npm test` has not. The agent
 * clients some tests run are installed into tests/agents when missing.
 */
export default function setup() {
  ensureAgentClients();
  if (existsSync(`${projectRoot}/.next/BUILD_ID`)) return;
  execFileSync(process.execPath, [`${projectRoot}/node_modules/next/dist/bin/next`, 'build'], {
    cwd: projectRoot,
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
}

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { projectRoot } from '../support/app';

/** Integration tests run the production build; build it once if `npm test` has not. */
export default function setup() {
  if (existsSync(`${projectRoot}/.next/BUILD_ID`)) return;
  execFileSync(process.execPath, [`${projectRoot}/node_modules/next/dist/bin/next`, 'build'], {
    cwd: projectRoot,
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
}

// The next floor's production build (bench/next-floor): built when missing or when any of its
// source files is newer than its BUILD_ID, and checked to hold the relay route and no middleware.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const nextFloorDir = `${root}bench/next-floor`;
const buildId = `${nextFloorDir}/.next/BUILD_ID`;

/** Newest modification time of the app's own files (its build output left out), in ms. */
function newestSourceMs(dir = nextFloorDir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === '.next' || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    const modifiedMs = entry.isDirectory() ? newestSourceMs(path) : statSync(path).mtimeMs;
    newest = Math.max(newest, modifiedMs);
  }
  return newest;
}

function isStale() {
  return !existsSync(buildId) || newestSourceMs() > statSync(buildId).mtimeMs;
}

/** What the root app's middleware would cost must not end up in the floor. */
function assertNoMiddleware() {
  const manifest = JSON.parse(
    readFileSync(`${nextFloorDir}/.next/server/middleware-manifest.json`, 'utf8'),
  );
  if (Object.keys(manifest.middleware).length > 0) {
    throw new Error(`the next floor's build has middleware: ${Object.keys(manifest.middleware)}`);
  }
}

/** `next build` of the app in `dir`, with the repo's Next.js. */
export function nextBuild(dir) {
  execFileSync(process.execPath, [`${root}node_modules/next/dist/bin/next`, 'build'], {
    cwd: dir,
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
}

export function buildNextFloorIfStale() {
  if (isStale()) {
    console.log('bench: building the next floor (bench/next-floor)');
    nextBuild(nextFloorDir);
  }
  assertNoMiddleware();
}

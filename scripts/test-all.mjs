#!/usr/bin/env node
// `npm test`: every check and every test runner in order, then one line that sums them all:
// "N passed, N failed". Lint and typecheck count as one check each.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ensureAgentClients } from '../tests/agents/install.mjs';
import { freePort } from './local-redis.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const reports = `${root}.tmp/test-reports`;
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

const bin = (name) => `${root}node_modules/.bin/${name}`;
const env = {
  ...process.env,
  NEXT_TELEMETRY_DISABLED: '1',
  FORCE_COLOR: process.env.FORCE_COLOR ?? '0',
};
const totals = { passed: 0, failed: 0 };
const failures = [];

function run(title, command, args, extraEnv = {}) {
  console.log(`\n=== ${title} ===`);
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...env, ...extraEnv },
  });
  return result.status === 0;
}

function check(title, command, args) {
  if (run(title, command, args)) totals.passed += 1;
  else {
    totals.failed += 1;
    failures.push(title);
  }
}

/** Runs a test runner that writes a JSON report, and adds its counts. */
function tests(title, command, args, report, count, extraEnv) {
  const ok = run(title, command, args, extraEnv);
  const counts = existsSync(report) ? count(JSON.parse(readFileSync(report, 'utf8'))) : undefined;
  if (!counts) {
    // No report means the runner itself broke; that is one failure, not zero tests.
    totals.failed += 1;
    failures.push(`${title} (no report)`);
    return;
  }
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  if (!ok || counts.failed > 0) failures.push(title);
}

const vitestCounts = (report) => ({
  passed: report.numPassedTests,
  failed: report.numFailedTests + (report.success || report.numFailedTests ? 0 : 1),
});
const playwrightCounts = (report) => ({
  passed: report.stats.expected + report.stats.flaky,
  failed: report.stats.unexpected + (report.errors?.length ?? 0),
});

// The agent CLIs and SDKs the integration tests run (and tsc checks their tests against).
ensureAgentClients();
check('lint (biome)', bin('biome'), ['check', '--error-on-warnings', '.']);
check('typecheck (tsc)', bin('tsc'), ['--noEmit']);
tests(
  'unit tests (node and edge-runtime)',
  bin('vitest'),
  [
    'run',
    '--project',
    'unit',
    '--project',
    'edge',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${reports}/unit.json`,
  ],
  `${reports}/unit.json`,
  vitestCounts,
);
check('production build (next build)', bin('next'), ['build']);
tests(
  'integration tests (production build, real Redis)',
  bin('vitest'),
  [
    'run',
    '--project',
    'integration',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${reports}/integration.json`,
  ],
  `${reports}/integration.json`,
  vitestCounts,
);
tests(
  'e2e tests (Playwright, Chromium)',
  bin('playwright'),
  ['test', '--reporter=list,json'],
  `${reports}/e2e.json`,
  playwrightCounts,
  { PLAYWRIGHT_JSON_OUTPUT_NAME: `${reports}/e2e.json`, E2E_PORT: String(await freePort()) },
);

if (failures.length > 0) console.log(`\nFailed: ${failures.join('; ')}`);
console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
process.exit(failures.length > 0 || totals.failed > 0 ? 1 : 0);

import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../support/app';

const run = promisify(execFile);
let outDir: string | undefined;
afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

interface Metric {
  id: string;
  values: Record<'direct' | 'floor' | 'nextFloor' | 'portkey' | 'v1' | 'chat', number | null>;
  derived: Record<
    string,
    { minusDirect: number | null; minusNextFloor: number | null; ratioToFloor: number | null }
  >;
}

describe('npm run bench', () => {
  it('the short mode measures every figure for direct, both floors, Portkey and both Tollgate endpoints, and the function sizes, and writes JSON and Markdown', async () => {
    outDir = await mkdtemp(join(tmpdir(), 'tollgate-bench-'));
    await run(process.execPath, ['bench/run.mjs', '--short', '--out', outDir], {
      cwd: projectRoot,
      // The bench hands its children only PATH and HOME of this.
      env: process.env,
      // Includes building bench/next-floor when its build is missing.
      timeout: 170_000,
      maxBuffer: 10 * 1024 * 1024,
    });

    const files = await readdir(outDir);
    const json = files.find((name) => name.endsWith('.json'));
    expect(json).toBeDefined();
    expect(files).toContain(json?.replace(/\.json$/, '.md'));
    const results = JSON.parse(await readFile(join(outDir, json as string), 'utf8'));

    for (const metric of results.metrics as Metric[]) {
      // Every figure Tollgate has, it has for both endpoints, with both comparisons where they apply.
      for (const name of ['v1', 'chat'] as const) {
        expect(Number.isFinite(metric.values[name]), `${metric.id} ${name}`).toBe(true);
      }
      if (metric.values.floor !== null) {
        expect(Number.isFinite(metric.values.floor), `${metric.id} floor`).toBe(true);
        if (metric.values.floor !== 0) {
          expect(Number.isFinite(metric.derived.v1?.ratioToFloor), `${metric.id} ratio`).toBe(true);
        }
      }
      if (metric.values.direct !== null) {
        expect(Number.isFinite(metric.derived.chat?.minusDirect), `${metric.id} minus`).toBe(true);
      }
      // The next floor and Portkey are servers like the floor: a figure wherever the floor has one.
      expect(metric.values.nextFloor === null, `${metric.id} next floor`).toBe(
        metric.values.floor === null,
      );
      expect(metric.values.portkey === null, `${metric.id} portkey`).toBe(
        metric.values.floor === null,
      );
      if (metric.values.portkey !== null) {
        expect(Number.isFinite(metric.values.portkey), `${metric.id} portkey`).toBe(true);
      }
      if (metric.values.nextFloor !== null) {
        expect(Number.isFinite(metric.values.nextFloor), `${metric.id} next floor`).toBe(true);
        for (const name of ['v1', 'chat'] as const) {
          const minusNextFloor = metric.derived[name]?.minusNextFloor;
          expect(Number.isFinite(minusNextFloor), `${metric.id} ${name} − next floor`).toBe(true);
        }
      }
    }
    // The function-size table comes from the same build the bench served.
    const sizes = results.functionSizes as Array<{ name: string; gzipKb: number }>;
    for (const name of ['/api/chat', '/api/v1/chat/completions', '/api/health', 'middleware']) {
      expect(sizes.find((size) => size.name === name)?.gzipKb, name).toBeGreaterThan(0);
    }
    const markdown = await readFile(
      join(outDir, (json as string).replace(/\.json$/, '.md')),
      'utf8',
    );
    expect(markdown).toContain('| portkey |');
    expect(markdown).toContain('| `/api/health` |');
    const errors = Object.values(
      results.errors as Record<string, Record<string, { count: number }>>,
    )
      .flatMap((byTarget) => Object.values(byTarget))
      .reduce((sum, entry) => sum + entry.count, 0);
    expect(errors).toBe(0);
  }, 180_000);
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/local-redis.mjs';
import { baseEnv, projectRoot, spawnGroup, waitForHttp } from '../support/app';

const nextBin = `${projectRoot}/node_modules/next/dist/bin/next`;

async function startNext(env: Record<string, string>) {
  const port = await freePort();
  const server = spawnGroup(
    process.execPath,
    [nextBin, 'start', '-p', String(port), '-H', '127.0.0.1'],
    baseEnv(env),
  );
  return { server, url: `http://127.0.0.1:${port}` };
}

describe('configuration at start', () => {
  it('stops the app with one line naming the bad field', async () => {
    const { server } = await startNext({
      GATEWAY_CONFIG: JSON.stringify({
        models: { 'local/llama3': { targets: [{ provider: 'olama', model: 'llama3' }] } },
      }),
    });
    expect(await server.exited).toBe(1);
    const lines = server
      .output()
      .split('\n')
      .filter((line) => line.includes('tollgate: invalid configuration'));
    expect(lines).toEqual([
      'tollgate: invalid configuration: GATEWAY_CONFIG.models["local/llama3"].targets[0].provider: unknown provider "olama" (known: demo)',
    ]);
  });

  it('refuses to start in production without SESSION_SECRET', async () => {
    const { server } = await startNext({ SESSION_SECRET: '' });
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain('tollgate: invalid configuration: SESSION_SECRET: required');
  });

  it('reads GATEWAY_CONFIG from @path/to/file.json', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'tollgate-config-'));
    const file = join(directory, 'gateway.json');
    writeFileSync(
      file,
      JSON.stringify({
        providers: { local: { type: 'openai-compatible', baseURL: 'http://127.0.0.1:9/v1' } },
      }),
    );
    const { server, url } = await startNext({ GATEWAY_CONFIG: `@${file}` });
    try {
      await waitForHttp(`${url}/api/health`, server);
      const health = await (await fetch(`${url}/api/health`)).json();
      expect(health.providers.local).toEqual({ type: 'openai-compatible', status: 'ok' });
    } finally {
      await server.stop();
    }
  });

  it('names a config file it cannot read', async () => {
    const { server } = await startNext({ GATEWAY_CONFIG: '@/nonexistent/gateway.json' });
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain(
      'tollgate: invalid configuration: GATEWAY_CONFIG: cannot read /nonexistent/gateway.json (ENOENT)',
    );
  });
});

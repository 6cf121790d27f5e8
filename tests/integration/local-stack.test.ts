import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/local-redis.mjs';
import { projectRoot, spawnGroup, waitForHttp } from '../support/app';
import { readUIStream, textOf } from '../support/ui-stream';

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('npm run start:local (the local stack around the production build)', () => {
  it('serves health and a demo chat on a fresh Redis with no keys, and stops everything it started', async () => {
    const port = await freePort();
    const stack = spawnGroup(
      process.execPath,
      [`${projectRoot}/scripts/local-stack.mjs`, 'start'],
      {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: String(port),
        NEXT_TELEMETRY_DISABLED: '1',
      },
    );
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitForHttp(`${url}/api/health`, stack);
      const health = await (await fetch(`${url}/api/health`)).json();
      expect(health).toMatchObject({ status: 'ok', redis: 'ok' });

      // As in a browser: the first page visit makes the visitor a guest with a session cookie.
      const page = await fetch(url);
      const cookie = page.headers.get('set-cookie')?.split(';')[0] ?? '';
      expect(cookie).toMatch(/^tollgate_session=/);
      const response = await fetch(`${url}/api/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify({
          messages: [{ role: 'user', content: 'hi' }],
          model: 'demo/instant',
        }),
      });
      expect(response.status).toBe(200);
      expect(textOf(await readUIStream(response))).toContain('You asked: "hi"');

      const redisPort = Number(stack.output().match(/local redis on 127\.0\.0\.1:(\d+)/)?.[1]);
      expect(await isListening(redisPort)).toBe(true);

      // Stop the stack the way a terminal does: a signal to the runner alone.
      process.kill(stack.child.pid as number, 'SIGINT');
      await stack.exited;
      expect(await isListening(port)).toBe(false);
      expect(await isListening(redisPort)).toBe(false);
    } finally {
      await stack.stop();
    }
  });
});

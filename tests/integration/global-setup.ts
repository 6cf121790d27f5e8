import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestProject } from 'vitest/node';
import { ensureAgentClients } from '../agents/install.mjs';
import { projectRoot } from '../support/app';

declare module 'vitest' {
  export interface ProvidedContext {
    /**
     * The base URL of a listener on 127.0.0.1 that the gateway must never call. Tests put it
     * wherever a client may send a URL (image and file parts); the run fails at teardown if it
     * received any request.
     */
    forbiddenUrl: string;
  }
}

/**
 * Integration tests run the production build; build it once if `npm test` has not. The agent
 * clients some tests run are installed into tests/agents when missing. And a
 * listener that stands for every address the gateway must not fetch (cloud metadata, a private
 * service): a client's URL.
 */
export default async function setup(project: TestProject) {
  ensureAgentClients();
  if (!existsSync(`${projectRoot}/.next/BUILD_ID`)) {
    execFileSync(process.execPath, [`${projectRoot}/node_modules/next/dist/bin/next`, 'build'], {
      cwd: projectRoot,
      stdio: 'inherit',
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    });
  }

  const received: string[] = [];
  const listener = createServer((request, response) => {
    received.push(`${request.method} ${request.url}`);
    response.writeHead(200, { 'content-type': 'image/png' }).end('not really a png');
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as AddressInfo;
  project.provide('forbiddenUrl', `http://127.0.0.1:${port}`);

  return async () => {
    await new Promise((resolve) => listener.close(resolve));
    if (received.length > 0) {
      throw new Error(
        `The gateway fetched ${received.length} URL(s) a client sent: ${received.slice(0, 5).join(', ')}`,
      );
    }
  };
}

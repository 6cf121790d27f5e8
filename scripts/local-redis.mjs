// Starts a throwaway redis-server for local development and tests.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const INSTALL_HINT =
  'redis-server not found on PATH: install it with `apt-get install -y redis-server` (Debian/Ubuntu) or `brew install redis` (macOS)';

/**
 * @typedef {object} LocalRedis
 * @property {number} port
 * @property {string} url `redis://127.0.0.1:PORT`
 * @property {number} pid PID of the current redis-server (changes after `restart()`)
 * @property {() => Promise<void>} stop Kills redis-server and waits for it to exit.
 * @property {() => Promise<void>} restart Stops and starts again on the same port (data is lost).
 */

/** Asks the OS for a port that is free right now on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Spawns `redis-server` from PATH with persistence off, in a fresh temp dir.
 * @param {{ port?: number }} [options] `port` defaults to a free port.
 * @returns {Promise<LocalRedis>}
 */
export async function startRedis({ port } = {}) {
  const binary = await findOnPath('redis-server');
  if (!binary) throw new Error(INSTALL_HINT);
  const fixedPort = port ?? (await freePort());
  let instance = await launch(binary, fixedPort);

  return {
    port: fixedPort,
    url: `redis://${HOST}:${fixedPort}`,
    get pid() {
      return instance.pid;
    },
    stop: () => instance.stop(),
    async restart() {
      await instance.stop();
      instance = await launch(binary, fixedPort);
    },
  };
}

/**
 * @param {string} binary
 * @param {number} port
 * @returns {Promise<{ pid: number, stop: () => Promise<void> }>}
 */
async function launch(binary, port) {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-redis-'));
  const args = ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no'];
  const child = spawn(binary, [...args, '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });

  // Keep draining the pipes (a full pipe would block redis) and remember the tail for errors.
  let output = '';
  const remember = (/** @type {Buffer} */ chunk) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout.on('data', remember);
  child.stderr.on('data', remember);

  /** @type {Promise<number | null>} */
  const exited = new Promise((resolve) => {
    child.once('close', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const ready = await Promise.race([waitForServer(port, child), exited.then(() => false)]);
  if (!ready || child.pid === undefined) {
    await stop();
    const reason = output.trim().split('\n').slice(-3).join(' | ');
    throw new Error(`redis-server did not start on ${HOST}:${port}: ${reason || 'no output'}`);
  }
  return { pid: child.pid, stop };
}

/**
 * Polls until the server on `port` reports our child's PID: a bare PING could be answered by
 * another redis already holding the port while ours is failing to bind.
 * @param {number} port
 * @param {import('node:child_process').ChildProcess} child
 */
async function waitForServer(port, child) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    if ((await readServerPid(port)) === child.pid) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

/** @returns {Promise<number | undefined>} the `process_id` from `INFO server`, once loaded */
function readServerPid(/** @type {number} */ port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port });
    let reply = '';
    const finish = (/** @type {number | undefined} */ serverPid) => {
      socket.destroy();
      resolve(serverPid);
    };
    socket.setTimeout(1_000, () => finish(undefined));
    socket.once('error', () => finish(undefined));
    socket.once('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      // `-LOADING ...` and other errors mean "not ready yet".
      if (reply.startsWith('-')) finish(undefined);
      const match = /process_id:(\d+)/.exec(reply);
      if (match) finish(Number(match[1]));
    });
  });
}

/** @returns {Promise<string | undefined>} */
async function findOnPath(/** @type {string} */ name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

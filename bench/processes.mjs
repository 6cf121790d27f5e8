// Child processes of the benchmark: each in its own process group, found and stopped by PID,
// measured through /proc.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';

const STOP_GRACE_MS = 5_000;
const READY_TIMEOUT_MS = 60_000;

/**
 * @typedef {object} Child
 * @property {number} pid PID of the group leader (the group's id too).
 * @property {() => string} output The last 20 kB the child printed.
 * @property {() => Promise<void>} stop SIGTERM to the group, SIGKILL after a grace period.
 */

/**
 * Spawns `command` as the leader of a new process group.
 * @param {string} command
 * @param {string[]} args
 * @param {{ env: NodeJS.ProcessEnv, cwd: string }} options
 * @returns {Child & { child: import('node:child_process').ChildProcess }}
 */
export function spawnGroup(command, args, { env, cwd }) {
  const child = spawn(command, args, {
    cwd,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const remember = (/** @type {Buffer} */ chunk) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', remember);
  child.stderr?.on('data', remember);
  const exited = once(child, 'exit');
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  return {
    child,
    pid,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
      // Anything the leader left behind in its group goes too.
      signalGroup(pid, 'SIGKILL');
    },
  };
}

/** @param {number} pgid @param {NodeJS.Signals} signal */
function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone
  }
}

/**
 * Resolves with the first stdout line of `child` that parses as JSON with `ready: true`.
 * @param {ReturnType<typeof spawnGroup>} spawned
 * @returns {Promise<any>}
 */
export function readyLine(spawned) {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => {
      reject(new Error(`no ready line within ${READY_TIMEOUT_MS} ms:\n${spawned.output()}`));
    }, READY_TIMEOUT_MS);
    const onData = (/** @type {Buffer} */ chunk) => {
      buffer += chunk.toString();
      for (const line of buffer.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const parsed = JSON.parse(line);
          if (parsed.ready) {
            clearTimeout(timer);
            spawned.child.stdout?.off('data', onData);
            resolve(parsed);
            return;
          }
        } catch {
          // not our line
        }
      }
    };
    spawned.child.stdout?.on('data', onData);
    spawned.child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before it was ready:\n${spawned.output()}`));
    });
  });
}

const clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/**
 * PIDs of every process in the group `pgid` (the leader and whatever it spawned).
 * @param {number} pgid
 * @returns {number[]}
 */
export function groupPids(pgid) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat && stat.pgrp === pgid) pids.push(Number(entry));
  }
  return pids;
}

/** @param {number} pid */
function readStat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: fields count from after it.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return {
      pgrp: Number(fields[2]),
      cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks,
    };
  } catch {
    return undefined;
  }
}

/**
 * User + system CPU of every process in the group so far, in ms (the kernel counts in ticks,
 * usually 10 ms; phases are long enough for that not to matter).
 * @param {number} pgid
 */
export function groupCpuMs(pgid) {
  let total = 0;
  for (const pid of groupPids(pgid)) total += readStat(pid)?.cpuMs ?? 0;
  return total;
}

/**
 * Resident memory of the group's processes, in MB: now (VmRSS) and the kernel's high-water mark
 * (VmHWM), each summed over the group.
 * @param {number} pgid
 */
export function groupMemoryMb(pgid) {
  let rss = 0;
  let hwm = 0;
  for (const pid of groupPids(pgid)) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      rss += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      hwm += Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      // exited meanwhile
    }
  }
  return { rssMb: rss / 1024, hwmMb: hwm / 1024 };
}

export interface LocalRedis {
  readonly port: number;
  /** `redis://127.0.0.1:PORT` */
  readonly url: string;
  /** PID of the current redis-server; changes after `restart()`. */
  readonly pid: number;
  /** Kills redis-server and waits for it to exit. */
  stop(): Promise<void>;
  /** Stops and starts again on the same port; data is lost. */
  restart(): Promise<void>;
}

/** Asks the OS for a port that is free right now on 127.0.0.1. */
export function freePort(): Promise<number>;

/**
 * Spawns `redis-server` from PATH with persistence off, in a fresh temp dir.
 * Throws a one-line install hint when redis-server is not on PATH.
 */
export function startRedis(options?: { port?: number }): Promise<LocalRedis>;

/** Live counters; `/__stats` requests are not counted. */
export interface BridgeStats {
  /** Requests received on `/`, `/pipeline` and `/multi-exec`. */
  httpRequests: number;
  /** Redis commands clients asked for (each pipeline entry counts). */
  commands: number;
}

export interface Bridge {
  /** Base URL to hand to `new Redis({ url, token })`. */
  readonly url: string;
  readonly port: number;
  readonly stats: BridgeStats;
  /** Stops listening, then disconnects from Redis. */
  close(): Promise<void>;
}

export interface BridgeOptions {
  redisUrl: string;
  /** Bearer token every request must carry. */
  token: string;
  /** Default 0: a free port. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
}

/** Starts a local Upstash REST bridge in front of the Redis at `redisUrl`. */
export function startBridge(options: BridgeOptions): Promise<Bridge>;

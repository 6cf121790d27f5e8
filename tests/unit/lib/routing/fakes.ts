import type { RoutingConfig } from '@/lib/config';
import type { CircuitBreaker, CircuitState } from '@/lib/routing/circuit';

interface Sleeper {
  at: number;
  ms: number;
  resolve: () => void;
}

/**
 * A clock that moves only when the test says so. `sleep` registers a timer that fires on
 * `advance`; an aborted sleep rejects at once and is forgotten. No real timer is involved.
 */
export function createFakeClock(start = 1_000_000) {
  let time = start;
  const sleepers = new Set<Sleeper>();
  const waiters = new Set<() => void>();
  return {
    now: () => time,
    sleep(ms: number, signal?: AbortSignal): Promise<void> {
      return new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const sleeper: Sleeper = { at: time + ms, ms, resolve };
        sleepers.add(sleeper);
        signal?.addEventListener(
          'abort',
          () => {
            sleepers.delete(sleeper);
            reject(signal.reason);
          },
          { once: true },
        );
        for (const wake of waiters) wake();
      });
    },
    /** Resolves once a sleep of exactly `ms` is pending (registered and not aborted). */
    async sleeping(ms: number): Promise<void> {
      while (![...sleepers].some((sleeper) => sleeper.ms === ms)) {
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            resolve();
          };
          waiters.add(wake);
        });
      }
    },
    /** Pending sleeps, by duration. */
    pending: () => [...sleepers].map((sleeper) => sleeper.ms),
    /** Moves time on and fires every sleep that is due by then. */
    advance(ms: number) {
      time += ms;
      for (const sleeper of [...sleepers]) {
        if (sleeper.at > time) continue;
        sleepers.delete(sleeper);
        sleeper.resolve();
      }
    },
  };
}

/**
 * The circuit breaker's rules (lib/routing/circuit.ts's Lua scripts) kept in a Map, so router
 * tests can run without Redis. Counts the calls, to check what the router wrote.
 */
export function createMemoryCircuits(routing: RoutingConfig, now: () => number) {
  const circuits = new Map<string, { openUntil: number; windowStart: number; failures: number }>();
  const calls = { check: 0, recordFailure: [] as string[], recordSuccess: [] as string[] };
  const stateOf = (key: string, claim: boolean): CircuitState => {
    const circuit = circuits.get(key);
    if (!circuit?.openUntil) return 'closed';
    if (now() < circuit.openUntil) return 'open';
    if (claim) circuit.openUntil = now() + routing.firstTokenTimeoutMs;
    return 'probe';
  };
  const breaker: CircuitBreaker = {
    async check(keys) {
      calls.check++;
      return keys.map((key) => stateOf(key, true));
    },
    async peek(keys) {
      return keys.map((key) => stateOf(key, false));
    },
    async recordFailure(key) {
      calls.recordFailure.push(key);
      const circuit = circuits.get(key) ?? { openUntil: 0, windowStart: 0, failures: 0 };
      circuits.set(key, circuit);
      if (circuit.openUntil > 0) {
        circuit.openUntil = now() + routing.circuitCooldownMs;
        return;
      }
      if (now() - circuit.windowStart > routing.circuitWindowMs) {
        circuit.windowStart = now();
        circuit.failures = 0;
      }
      circuit.failures++;
      if (circuit.failures >= routing.circuitFailureThreshold) {
        circuit.openUntil = now() + routing.circuitCooldownMs;
      }
    },
    async recordSuccess(key) {
      calls.recordSuccess.push(key);
      circuits.delete(key);
    },
  };
  return { breaker, calls };
}

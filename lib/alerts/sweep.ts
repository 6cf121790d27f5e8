import { type DeliveryContext, deliverDueAlerts } from './delivery';
import type { AlertStore } from './store';

let running: { done: Promise<void>; wake: () => void } | undefined;

/**
 * Delivers the due alerts, one sweep per isolate at a time: a sweep asked for while one runs
 * wakes it (it claims again at once) and shares its promise, which the caller hands to
 * `after()` so the platform keeps the isolate alive until the sweep ends.
 */
export function sweepAlerts(
  store: AlertStore,
  options: Omit<DeliveryContext, 'store' | 'sleep'> = {},
): Promise<void> {
  if (running) {
    running.wake();
    return running.done;
  }
  let again = false;
  let interrupt: (() => void) | undefined;
  const sleep = (ms: number) => {
    if (again) {
      again = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        interrupt = undefined;
        resolve();
      }, ms);
      interrupt = () => {
        clearTimeout(timer);
        interrupt = undefined;
        resolve();
      };
    });
  };
  const done = (async () => {
    do {
      again = false;
      await deliverDueAlerts({ ...options, store, sleep });
    } while (again);
  })()
    .catch((error: unknown) => {
      console.error(JSON.stringify({ event: 'tollgate.alert_sweep_failed', error: String(error) }));
    })
    .finally(() => {
      running = undefined;
    });
  running = {
    done,
    wake: () => {
      if (interrupt) interrupt();
      else again = true;
    },
  };
  return done;
}

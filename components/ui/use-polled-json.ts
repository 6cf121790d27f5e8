'use client';

import { useCallback, useEffect, useState } from 'react';
import { requestJson } from './api';

/** How often an open dashboard refreshes itself. */
export const refreshIntervalMs = 5_000;

export interface Polled<T> {
  /** The latest good answer for this URL; kept while a later refresh fails. */
  data: T | undefined;
  /** The latest refresh's failure, cleared by the next success. */
  error: unknown;
  /** Epoch ms of the latest good answer. */
  updatedAt: number | undefined;
  refresh: () => void;
}

interface State<T> {
  url: string | null;
  data?: T;
  error?: unknown;
  updatedAt?: number;
}

/**
 * Fetches `url` now and every `intervalMs` while the tab is visible; a hidden tab stops polling
 * and refreshes as soon as it is shown again. Requests never overlap, and an answer for a URL the
 * caller has moved away from is dropped. A null URL fetches nothing.
 */
export function usePolledJson<T>(url: string | null, intervalMs = refreshIntervalMs): Polled<T> {
  const [state, setState] = useState<State<T>>({ url });
  const [nonce, setNonce] = useState(0);
  const refresh = useCallback(() => setNonce((value) => value + 1), []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new nonce restarts the cycle now
  useEffect(() => {
    if (url === null) return;
    const target = url;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running = false;

    async function poll() {
      clearTimeout(timer);
      if (running || controller.signal.aborted) return;
      running = true;
      try {
        const data = await requestJson<T>(target, { signal: controller.signal });
        setState({ url: target, data, updatedAt: Date.now() });
      } catch (error) {
        if (controller.signal.aborted) return;
        setState((previous) =>
          previous.url === target ? { ...previous, error } : { url: target, error },
        );
      } finally {
        running = false;
      }
      if (!document.hidden && !controller.signal.aborted) timer = setTimeout(poll, intervalMs);
    }

    function onVisibilityChange() {
      if (document.hidden) clearTimeout(timer);
      else void poll();
    }

    void poll();
    document.addEventListener('visibilitychange', onVisibilityChange);
    return () => {
      controller.abort();
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibilityChange);
    };
  }, [url, intervalMs, nonce]);

  const current = state.url === url;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    updatedAt: current ? state.updatedAt : undefined,
    refresh,
  };
}

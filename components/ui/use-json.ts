'use client';

import { useCallback, useEffect, useState } from 'react';
import { errorMessageOf } from './use-session';

export type JsonState<T> =
  | { status: 'loading'; data?: undefined; error?: undefined }
  | { status: 'ready'; data: T; error?: undefined }
  | { status: 'error'; data?: T; error: string };

/**
 * GET a same-origin JSON endpoint; `reload()` fetches again and keeps showing the last data
 * meanwhile, so refreshes never blank a panel.
 */
export function useJson<T>(url: string): JsonState<T> & { reload: () => void } {
  const [state, setState] = useState<JsonState<T>>({ status: 'loading' });
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `generation` is the reload trigger
  useEffect(() => {
    let current = true;
    fetch(url)
      .then(async (response) => {
        if (!response.ok) throw new Error(await errorMessageOf(response));
        const data = (await response.json()) as T;
        if (current) setState({ status: 'ready', data });
      })
      .catch((error: Error) => {
        if (current)
          setState((previous) => ({ status: 'error', data: previous.data, error: error.message }));
      });
    return () => {
      current = false;
    };
  }, [url, generation]);

  return { ...state, reload };
}

'use client';

import { useEffect, useState } from 'react';

export interface SessionUser {
  userId: string;
  plan: string;
  kind: 'guest' | 'session' | 'api-key' | 'admin-token';
  admin: boolean;
}

export type SessionState =
  | { status: 'loading' }
  | { status: 'ready'; user: SessionUser }
  | { status: 'error'; message: string };

/** Who the browser is, from `GET /api/session` (the same endpoint any app can call). */
export function useSession(): SessionState {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  useEffect(() => {
    let current = true;
    fetch('/api/session')
      .then(async (response) => {
        if (!response.ok) throw new Error(await errorMessageOf(response));
        const user = (await response.json()) as SessionUser;
        if (current) setState({ status: 'ready', user });
      })
      .catch((error: Error) => {
        if (current) setState({ status: 'error', message: error.message });
      });
    return () => {
      current = false;
    };
  }, []);
  return state;
}

/** The human sentence of our error body, never the raw JSON. */
export async function errorMessageOf(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { message?: unknown } };
    if (typeof body.error?.message === 'string') return body.error.message;
  } catch {
    // Not our error shape (a proxy's page, say): fall through to the status.
  }
  return `The server answered ${response.status}.`;
}

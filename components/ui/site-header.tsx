'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { type FormEvent, useId, useState } from 'react';
import { ApiError, requestJson, type SessionInfo } from './api';
import styles from './site-header.module.css';
import { usePolledJson } from './use-polled-json';

function describeUser(user: SessionInfo | undefined, failed: boolean): string {
  if (!user) return failed ? 'Not signed in' : 'Loading…';
  if (user.kind === 'guest') return `Guest · ${user.plan} plan`;
  return `${user.userId} · ${user.plan} plan${user.admin ? ' · admin' : ''}`;
}

function SignInForm({ onCancel }: { onCancel: () => void }) {
  const inputId = useId();
  const [apiKey, setApiKey] = useState('');
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);

  async function signIn(event: FormEvent) {
    event.preventDefault();
    setPending(true);
    setError(undefined);
    try {
      await requestJson('/api/session', {
        method: 'POST',
        body: JSON.stringify({ apiKey: apiKey.trim() }),
      });
      // Every panel on the page belongs to the old user: start over as the new one.
      window.location.reload();
    } catch (failure) {
      setPending(false);
      setError(failure instanceof ApiError ? failure.message : 'Signing in failed.');
    }
  }

  return (
    <form className={styles.signIn} onSubmit={signIn} aria-label="Sign in">
      <label htmlFor={inputId}>API key</label>
      <input
        id={inputId}
        type="password"
        autoComplete="off"
        value={apiKey}
        onChange={(event) => setApiKey(event.target.value)}
        placeholder="tg_… or the admin token"
        required
        // biome-ignore lint/a11y/noAutofocus: the form opens on request, to type the key at once
        autoFocus
      />
      <button type="submit" className={styles.primary} disabled={pending || !apiKey.trim()}>
        {pending ? 'Signing in…' : 'Sign in'}
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      {error ? (
        <p role="alert" className={styles.error}>
          {error}
        </p>
      ) : null}
    </form>
  );
}

/** Navigation and who is signed in, on every page. */
export function SiteHeader() {
  const pathname = usePathname();
  const session = usePolledJson<SessionInfo>('/api/session', 60_000);
  const [signingIn, setSigningIn] = useState(false);
  const signedIn = session.data !== undefined && session.data.kind !== 'guest';

  async function signOut() {
    await fetch('/api/session', { method: 'DELETE' }).catch(() => undefined);
    window.location.reload();
  }

  return (
    <header className={styles.header}>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <div className={styles.bar}>
        <Link href="/" className={styles.brand}>
          Tollgate
        </Link>
        <nav aria-label="Main" className={styles.nav}>
          <Link href="/" aria-current={pathname === '/' ? 'page' : undefined}>
            Chat
          </Link>
          <Link href="/dashboard" aria-current={pathname === '/dashboard' ? 'page' : undefined}>
            Dashboard
          </Link>
        </nav>
        <div className={styles.account}>
          <span className={styles.user} data-testid="current-user">
            {describeUser(session.data, session.error !== undefined)}
          </span>
          {signedIn ? (
            <button type="button" onClick={signOut}>
              Sign out
            </button>
          ) : (
            <button
              type="button"
              onClick={() => setSigningIn((open) => !open)}
              aria-expanded={signingIn}
            >
              Sign in
            </button>
          )}
        </div>
      </div>
      {signingIn && !signedIn ? <SignInForm onCancel={() => setSigningIn(false)} /> : null}
    </header>
  );
}

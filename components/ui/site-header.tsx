'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { type FormEvent, useId, useState } from 'react';
import styles from './site-header.module.css';
import { errorMessageOf, type SessionState, useSession } from './use-session';

function describeUser(session: SessionState): string {
  if (session.status === 'loading') return 'Loading…';
  if (session.status === 'error') return 'Not signed in';
  const { user } = session;
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
    const response = await fetch('/api/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiKey: apiKey.trim() }),
    }).catch(() => undefined);
    if (response?.ok) {
      // Every panel on the page belongs to the old user: start over as the new one.
      window.location.reload();
      return;
    }
    setPending(false);
    setError(response ? await errorMessageOf(response) : 'The gateway could not be reached.');
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
  const session = useSession();
  const [signingIn, setSigningIn] = useState(false);
  const signedIn = session.status === 'ready' && session.user.kind !== 'guest';

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
            {describeUser(session)}
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

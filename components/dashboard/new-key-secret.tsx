'use client';

import { useState } from 'react';
import type { CreatedApiKey } from './api';
import styles from './dashboard.module.css';

/** The secret of a key just created: shown this once, with a copy button. */
export function NewKeySecret({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);

  async function copy() {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  }

  return (
    <div className={styles.secret} role="status" data-testid="new-key">
      <p>
        Key <strong>{created.name}</strong> for <strong>{created.userId}</strong> (plan{' '}
        {created.plan}) is ready. Copy it now: it will not be shown again.
      </p>
      <div className={styles.secretRow}>
        <label htmlFor="new-key-secret" className="visually-hidden">
          New API key
        </label>
        <input
          id="new-key-secret"
          className={styles.secretValue}
          readOnly
          value={created.key}
          data-testid="new-key-secret"
          onFocus={(event) => event.currentTarget.select()}
        />
        <button type="button" className={styles.button} onClick={copy}>
          {copied === 'yes' ? 'Copied' : 'Copy'}
        </button>
        <button type="button" className={styles.buttonQuiet} onClick={onDone}>
          Done
        </button>
      </div>
      {copied === 'failed' ? (
        <p className={styles.muted}>The browser refused to copy: select the key and copy it.</p>
      ) : null}
    </div>
  );
}

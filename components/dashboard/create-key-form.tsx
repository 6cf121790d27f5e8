'use client';

import { type FormEvent, useState } from 'react';
import { describeError, requestJson } from '@/components/ui/api';
import type { CreatedApiKey } from './api';
import styles from './dashboard.module.css';

/** Creates a key for a user; the plan is free text because no endpoint lists the plans. */
export function CreateKeyForm({
  knownPlans,
  onCreated,
}: {
  knownPlans: string[];
  onCreated: (created: CreatedApiKey) => void;
}) {
  const [userId, setUserId] = useState('');
  const [plan, setPlan] = useState('');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await requestJson<CreatedApiKey>('/api/keys', {
        method: 'POST',
        body: JSON.stringify({
          userId: userId.trim(),
          ...(plan.trim() ? { plan: plan.trim() } : {}),
          ...(name.trim() ? { name: name.trim() } : {}),
        }),
      });
      setUserId('');
      setPlan('');
      setName('');
      onCreated(created);
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className={styles.keyForm} onSubmit={submit} aria-labelledby="create-key-heading">
      <h3 id="create-key-heading">Create a key</h3>
      <div className={styles.fields}>
        <label className={styles.field}>
          <span>User id</span>
          <input
            required
            value={userId}
            pattern="[\w.@\-]{1,64}"
            title="Letters, digits, _ . @ - (1 to 64)"
            autoComplete="off"
            onChange={(event) => setUserId(event.target.value)}
          />
        </label>
        <label className={styles.field}>
          <span>Plan (empty: the default plan)</span>
          <input
            value={plan}
            list="known-plans"
            autoComplete="off"
            onChange={(event) => setPlan(event.target.value)}
          />
          <datalist id="known-plans">
            {knownPlans.map((known) => (
              <option key={known} value={known} />
            ))}
          </datalist>
        </label>
        <label className={styles.field}>
          <span>Name (optional)</span>
          <input
            value={name}
            maxLength={100}
            autoComplete="off"
            onChange={(event) => setName(event.target.value)}
          />
        </label>
        <button type="submit" className={styles.button} disabled={busy}>
          {busy ? 'Creating…' : 'Create key'}
        </button>
      </div>
      {error ? (
        <p className={styles.formError} role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}

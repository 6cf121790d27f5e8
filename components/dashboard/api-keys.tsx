'use client';

import { useState } from 'react';
import { describeError, requestJson } from '@/components/ui/api';
import { formatLimitAmount, labelOfLimit } from '@/components/ui/limits';
import { usePolledJson } from '@/components/ui/use-polled-json';
import { type ApiKeyRecord, type CreatedApiKey, type TeamRecord, toEpochMs } from './api';
import { CreateKeyForm } from './create-key-form';
import styles from './dashboard.module.css';
import { NewKeySecret } from './new-key-secret';
import { LoadError, Loading } from './status-notices';
import { TableScroll } from './table-scroll';

const createdFormat = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium' });
const momentFormat = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short' });

function Moment({ value, none }: { value: string | number | null | undefined; none: string }) {
  const time = toEpochMs(value);
  if (time === undefined) return <span className={styles.muted}>{none}</span>;
  return <time dateTime={new Date(time).toISOString()}>{momentFormat.format(time)}</time>;
}

/** A limit of a key's own policy in its unit (dollars for spend), or the soft list. */
function formatPolicyLimit(name: string, value: unknown): string {
  if (Array.isArray(value)) return `${name === 'soft' ? 'Soft' : name}: ${value.join(', ')}`;
  const amount = typeof value === 'number' ? formatLimitAmount(name, value) : String(value);
  return `${labelOfLimit(name)}: ${amount}`;
}

/** The key's team, allowed models and own limits; "plan only" when it has none. */
function KeyPolicy({ record }: { record: ApiKeyRecord }) {
  const limits = Object.entries(record.limits ?? {}).filter(([, value]) => value !== undefined);
  const models = record.allowedModels ?? [];
  if (!record.teamId && models.length === 0 && limits.length === 0)
    return <span className={styles.muted}>plan only</span>;
  return (
    <ul className={styles.policy}>
      {record.teamId ? (
        <li data-policy="team">
          Team <span className={styles.code}>{record.teamId}</span>
        </li>
      ) : null}
      {models.length > 0 ? (
        <li data-policy="models">
          Models <span className={styles.code}>{models.join(', ')}</span>
        </li>
      ) : null}
      {limits.map(([name, value]) => (
        <li key={name} data-policy="limit">
          {formatPolicyLimit(name, value)}
        </li>
      ))}
    </ul>
  );
}

function KeyExpiry({ record, now }: { record: ApiKeyRecord; now: number }) {
  const expiresAt = toEpochMs(record.expiresAt);
  const expired = record.expired ?? (expiresAt !== undefined && expiresAt <= now);
  return (
    <>
      <Moment value={record.expiresAt} none="never" />
      {expired ? (
        <>
          {' '}
          <span className={styles.badge} data-state="expired">
            expired
          </span>
        </>
      ) : null}
    </>
  );
}

/** Revoking takes two clicks, in place: no browser dialog to block the page. */
function RevokeButton({ record, onRevoked }: { record: ApiKeyRecord; onRevoked: () => void }) {
  const [state, setState] = useState<'idle' | 'confirm' | 'busy'>('idle');
  const [error, setError] = useState<string | null>(null);

  async function revoke() {
    setState('busy');
    setError(null);
    try {
      await requestJson(`/api/keys/${encodeURIComponent(record.id)}`, { method: 'DELETE' });
      onRevoked();
    } catch (failure) {
      setError(describeError(failure));
      setState('idle');
    }
  }

  if (state === 'idle') {
    return (
      <>
        <button
          type="button"
          className={styles.buttonQuiet}
          aria-label={`Revoke ${record.name}`}
          onClick={() => setState('confirm')}
        >
          Revoke
        </button>
        {error ? <span role="alert"> {error}</span> : null}
      </>
    );
  }
  return (
    <span className={styles.confirm}>
      <button
        type="button"
        className={styles.buttonDanger}
        disabled={state === 'busy'}
        aria-label={`Confirm: revoke ${record.name}`}
        onClick={revoke}
      >
        {state === 'busy' ? 'Revoking…' : 'Confirm revoke'}
      </button>
      <button type="button" className={styles.buttonQuiet} onClick={() => setState('idle')}>
        Cancel
      </button>
    </span>
  );
}

export function ApiKeys({ knownPlans, teams }: { knownPlans: string[]; teams: TeamRecord[] }) {
  const keys = usePolledJson<{ keys: ApiKeyRecord[] }>('/api/keys');
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const plans = [...new Set([...knownPlans, ...(keys.data?.keys.map((key) => key.plan) ?? [])])];

  return (
    <section className={styles.card} aria-labelledby="keys-heading">
      <h2 id="keys-heading">API keys</h2>
      {created ? (
        <NewKeySecret created={created} onDone={() => setCreated(null)} />
      ) : (
        <CreateKeyForm
          knownPlans={plans.sort()}
          teams={teams}
          onCreated={(key) => {
            setCreated(key);
            keys.refresh();
          }}
        />
      )}
      {keys.error ? (
        <LoadError error={keys.error} stale={!!keys.data} onRetry={keys.refresh} />
      ) : null}
      {!keys.data ? (
        keys.error ? null : (
          <Loading what="keys" />
        )
      ) : keys.data.keys.length === 0 ? (
        <p className={styles.muted}>No keys yet.</p>
      ) : (
        <TableScroll label="API keys">
          <table className={styles.table}>
            <caption className="visually-hidden">API keys (secrets are never listed)</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">User</th>
                <th scope="col">Plan</th>
                <th scope="col">Policy</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">Created</th>
                <th scope="col">Id</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.keys.map((record) => (
                <tr key={record.id} data-testid="key-row" data-key-id={record.id}>
                  <th scope="row">{record.name}</th>
                  <td className={styles.code}>{record.userId}</td>
                  <td>{record.plan}</td>
                  <td data-column="policy">
                    <KeyPolicy record={record} />
                  </td>
                  <td data-column="expires">
                    <KeyExpiry record={record} now={keys.updatedAt ?? 0} />
                  </td>
                  <td data-column="last-used">
                    {/* Absent: this deployment does not record last use; null: never used. */}
                    <Moment
                      value={record.lastUsedAt}
                      none={record.lastUsedAt === null ? 'never' : '—'}
                    />
                  </td>
                  <td>
                    <time dateTime={record.createdAt}>
                      {createdFormat.format(Date.parse(record.createdAt))}
                    </time>
                  </td>
                  <td className={styles.code}>{record.id}</td>
                  <td>
                    <RevokeButton record={record} onRevoked={keys.refresh} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </section>
  );
}

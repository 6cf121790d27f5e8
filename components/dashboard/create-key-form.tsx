'use client';

import { type FormEvent, useState } from 'react';
import { ApiError, describeError, requestJson } from '@/components/ui/api';
import type { CreatedApiKey, TeamRecord } from './api';
import styles from './dashboard.module.css';

type Field = 'userId' | 'plan' | 'name' | 'teamId' | 'expiresAt' | 'allowedModels' | 'limits';

const fields: readonly Field[] = [
  'userId',
  'plan',
  'name',
  'teamId',
  'expiresAt',
  'allowedModels',
  'limits',
];

interface Draft {
  userId: string;
  plan: string;
  name: string;
  teamId: string;
  /** `datetime-local`: the browser's own time zone, no offset. */
  expiresAt: string;
  /** Comma-separated patterns. */
  allowedModels: string;
  /** A JSON object of limit fields. */
  limits: string;
}

const emptyDraft: Draft = {
  userId: '',
  plan: '',
  name: '',
  teamId: '',
  expiresAt: '',
  allowedModels: '',
  limits: '',
};

/** A problem with the form, and the field it is about. */
class DraftError extends Error {
  constructor(
    readonly field: Field,
    message: string,
  ) {
    super(message);
  }
}

/** The `POST /api/keys` body: empty fields are left out, so the API's defaults apply. */
function toRequestBody(draft: Draft): Record<string, unknown> {
  const body: Record<string, unknown> = { userId: draft.userId.trim() };
  for (const field of ['plan', 'name', 'teamId'] as const) {
    if (draft[field].trim()) body[field] = draft[field].trim();
  }
  if (draft.expiresAt) {
    const expiresAt = new Date(draft.expiresAt);
    if (Number.isNaN(expiresAt.getTime()))
      throw new DraftError('expiresAt', 'Expires: not a date.');
    body.expiresAt = expiresAt.toISOString();
  }
  const models = draft.allowedModels
    .split(',')
    .map((pattern) => pattern.trim())
    .filter(Boolean);
  if (models.length > 0) body.allowedModels = models;
  if (draft.limits.trim()) {
    try {
      body.limits = JSON.parse(draft.limits);
    } catch {
      throw new DraftError('limits', 'Limits: not valid JSON (e.g. {"tokensPerDay": 100000}).');
    }
  }
  return body;
}

/** The form field an API error names: `limits.tokensPerDay` and `allowedModels[0]` by their root. */
function fieldOf(failure: unknown): Field | undefined {
  if (failure instanceof DraftError) return failure.field;
  if (!(failure instanceof ApiError) || !failure.param) return undefined;
  const root = failure.param.split(/[.[]/)[0];
  return fields.find((field) => field === root);
}

/**
 * Creates a key for a user, with its policy (team, expiry, allowed models, own limits). The plan
 * is free text because no endpoint lists the plans; the API's error is shown at the field it names.
 */
export function CreateKeyForm({
  knownPlans,
  teams,
  onCreated,
}: {
  knownPlans: string[];
  teams: TeamRecord[];
  onCreated: (created: CreatedApiKey) => void;
}) {
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; field: Field | undefined } | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await requestJson<CreatedApiKey>('/api/keys', {
        method: 'POST',
        body: JSON.stringify(toRequestBody(draft)),
      });
      setDraft(emptyDraft);
      onCreated(created);
    } catch (failure) {
      const message = failure instanceof DraftError ? failure.message : describeError(failure);
      setError({ message, field: fieldOf(failure) });
    } finally {
      setBusy(false);
    }
  }

  const edit = (field: Field) => (event: { target: { value: string } }) =>
    setDraft((current) => ({ ...current, [field]: event.target.value }));
  const invalid = (field: Field) =>
    error?.field === field
      ? { 'aria-invalid': true as const, 'aria-describedby': 'create-key-error' }
      : {};

  return (
    <form className={styles.keyForm} onSubmit={submit} aria-labelledby="create-key-heading">
      <h3 id="create-key-heading">Create a key</h3>
      <div className={styles.fields}>
        <label className={styles.field}>
          <span>User id</span>
          <input
            required
            value={draft.userId}
            pattern="[\w.@\-]{1,64}"
            title="Letters, digits, _ . @ - (1 to 64)"
            autoComplete="off"
            onChange={edit('userId')}
            {...invalid('userId')}
          />
        </label>
        <label className={styles.field}>
          <span>Plan (empty: the default plan)</span>
          <input
            value={draft.plan}
            list="known-plans"
            autoComplete="off"
            onChange={edit('plan')}
            {...invalid('plan')}
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
            value={draft.name}
            maxLength={100}
            autoComplete="off"
            onChange={edit('name')}
            {...invalid('name')}
          />
        </label>
      </div>
      <fieldset className={styles.policyFields}>
        <legend>Policy (optional)</legend>
        <div className={styles.fields}>
          <label className={styles.field}>
            <span>Team</span>
            <select value={draft.teamId} onChange={edit('teamId')} {...invalid('teamId')}>
              <option value="">No team</option>
              {teams.map((team) => (
                <option key={team.id} value={team.id}>
                  {team.name} ({team.id})
                </option>
              ))}
            </select>
          </label>
          <label className={styles.field}>
            <span>Expires (your time zone; empty: never)</span>
            <input
              type="datetime-local"
              value={draft.expiresAt}
              onChange={edit('expiresAt')}
              {...invalid('expiresAt')}
            />
          </label>
          <label className={styles.field}>
            <span>Allowed models (comma-separated; empty: all)</span>
            <input
              value={draft.allowedModels}
              placeholder="openai/*, demo/chat"
              autoComplete="off"
              onChange={edit('allowedModels')}
              {...invalid('allowedModels')}
            />
          </label>
          <label className={`${styles.field} ${styles.fieldWide}`}>
            <span>Limits as JSON (on top of the plan)</span>
            <textarea
              value={draft.limits}
              rows={2}
              placeholder='{"tokensPerDay": 100000, "spendPerMonthUsd": 5}'
              spellCheck={false}
              onChange={edit('limits')}
              {...invalid('limits')}
            />
          </label>
        </div>
      </fieldset>
      <div className={styles.formActions}>
        <button type="submit" className={styles.button} disabled={busy}>
          {busy ? 'Creating…' : 'Create key'}
        </button>
      </div>
      {error ? (
        <p id="create-key-error" className={styles.formError} role="alert">
          {error.message}
        </p>
      ) : null}
    </form>
  );
}

'use client';

import { usePolledJson } from '@/components/ui/use-polled-json';
import type { UsagePeriod, UsersReport } from './api';
import { ApiKeys } from './api-keys';
import styles from './dashboard.module.css';
import { DashboardToolbar } from './dashboard-toolbar';
import { LoadError, Loading } from './status-notices';
import { UsersTable } from './users-table';

/** What an administrator sees first: every user's totals, and the API keys. */
export function AdminOverview({
  period,
  onPeriodChange,
}: {
  period: UsagePeriod;
  onPeriodChange: (period: UsagePeriod) => void;
}) {
  const users = usePolledJson<UsersReport>(`/api/usage/users?period=${period}`);
  const knownPlans = [
    ...new Set(users.data?.users.flatMap((user) => (user.plan ? [user.plan] : [])) ?? []),
  ];
  return (
    <>
      <DashboardToolbar
        period={period}
        range={users.data?.period}
        updatedAt={users.updatedAt}
        onPeriodChange={onPeriodChange}
      />
      <section className={styles.card} aria-labelledby="users-heading">
        <h2 id="users-heading">Users</h2>
        {users.error ? (
          <LoadError error={users.error} stale={!!users.data} onRetry={users.refresh} />
        ) : null}
        {users.data ? (
          users.data.users.length > 0 ? (
            <UsersTable users={users.data.users} period={period} />
          ) : (
            <p className={styles.muted}>No user has made a request yet.</p>
          )
        ) : users.error ? null : (
          <Loading what="users" />
        )}
      </section>
      <ApiKeys knownPlans={knownPlans} />
    </>
  );
}

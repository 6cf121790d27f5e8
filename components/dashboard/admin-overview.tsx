'use client';

import { usePolledJson } from '@/components/ui/use-polled-json';
import {
  type AlertsReport,
  isMissingEndpoint,
  type TeamRecord,
  type TeamsReport,
  type UsageOverview,
  type UsagePeriod,
  type UsersReport,
} from './api';
import { ApiKeys } from './api-keys';
import styles from './dashboard.module.css';
import { DashboardToolbar } from './dashboard-toolbar';
import { FiredAlerts } from './fired-alerts';
import { OverviewTotals } from './overview-totals';
import { PolledSection } from './polled-section';
import { LoadError, Loading } from './status-notices';
import { TeamsList } from './teams-list';
import { TopLists } from './top-lists';
import { DailyTable, UsageChart } from './usage-chart';
import { UsersTable } from './users-table';

function OverviewSections({
  overview,
  period,
  teams,
}: {
  overview: UsageOverview;
  period: UsagePeriod;
  teams: TeamRecord[];
}) {
  return (
    <>
      <section aria-labelledby="overview-totals-heading">
        <h2 id="overview-totals-heading" className="visually-hidden">
          Deployment totals
        </h2>
        <OverviewTotals totals={overview.totals} />
      </section>
      <section className={styles.card} aria-labelledby="overview-daily-heading">
        <h2 id="overview-daily-heading">Spend and tokens per day</h2>
        {overview.totals.requests === 0 && overview.totals.costUsd === 0 ? (
          <p className={styles.empty}>No requests in this period.</p>
        ) : (
          <>
            <UsageChart byDay={overview.byDay} />
            <DailyTable byDay={overview.byDay} />
          </>
        )}
      </section>
      <TopLists overview={overview} period={period} teams={teams} />
    </>
  );
}

/**
 * What an administrator sees first: the whole deployment's spend and tokens per day with its top
 * users, models, teams and tags; fired alerts; teams; every user's totals; the API keys.
 */
export function AdminOverview({
  period,
  onPeriodChange,
}: {
  period: UsagePeriod;
  onPeriodChange: (period: UsagePeriod) => void;
}) {
  const overview = usePolledJson<UsageOverview>(`/api/usage/overview?period=${period}`);
  const users = usePolledJson<UsersReport>(`/api/usage/users?period=${period}`);
  const teams = usePolledJson<TeamsReport>('/api/teams');
  const alerts = usePolledJson<AlertsReport>('/api/alerts');
  const knownPlans = [
    ...new Set(users.data?.users.flatMap((user) => (user.plan ? [user.plan] : [])) ?? []),
  ];
  return (
    <>
      <DashboardToolbar
        period={period}
        range={overview.data?.period ?? users.data?.period}
        updatedAt={overview.updatedAt}
        onPeriodChange={onPeriodChange}
      />
      {overview.error && !isMissingEndpoint(overview.error) ? (
        <LoadError error={overview.error} stale={!!overview.data} onRetry={overview.refresh} />
      ) : null}
      {overview.data ? (
        <OverviewSections
          overview={overview.data}
          period={period}
          teams={teams.data?.teams ?? []}
        />
      ) : overview.error ? null : (
        <Loading what="the overview" />
      )}
      <PolledSection id="alerts" title="Alerts" what="alerts" polled={alerts}>
        {(data) => <FiredAlerts alerts={data.alerts ?? []} />}
      </PolledSection>
      <PolledSection id="teams" title="Teams" what="teams" polled={teams}>
        {(data) => <TeamsList teams={data.teams ?? []} period={period} />}
      </PolledSection>
      <PolledSection id="users" title="Users" what="users" polled={users}>
        {(data) =>
          data.users.length > 0 ? (
            <UsersTable users={data.users} period={period} />
          ) : (
            <p className={styles.muted}>No user has made a request yet.</p>
          )
        }
      </PolledSection>
      <ApiKeys knownPlans={knownPlans} teams={teams.data?.teams ?? []} />
    </>
  );
}

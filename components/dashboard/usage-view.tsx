'use client';

import type { LimitsReport } from '@/components/ui/limits';
import { usePolledJson } from '@/components/ui/use-polled-json';
import {
  type AlertsReport,
  exportUrl,
  type UsagePeriod,
  type UsageReport,
  type UsageSubject,
  usageUrl,
} from './api';
import styles from './dashboard.module.css';
import { DashboardToolbar } from './dashboard-toolbar';
import { FiredAlerts } from './fired-alerts';
import { LimitMeters } from './limit-meters';
import { ModelBreakdown, TagBreakdown } from './model-breakdown';
import { PolledSection } from './polled-section';
import { RecentRequests } from './recent-requests';
import { LoadError, Loading, NoRequests } from './status-notices';
import { DailyTable, UsageChart } from './usage-chart';
import { UsageTotals } from './usage-totals';

function LimitsSection({ own, plan, team }: { own: boolean; plan: string | null; team: boolean }) {
  // `/api/limits` reports the caller only, so another user's live limits cannot be read here.
  const limits = usePolledJson<LimitsReport>(own ? '/api/limits' : null);
  return (
    <section className={styles.card} aria-labelledby="limits-heading">
      <h2 id="limits-heading">Limits{plan ? ` · plan ${plan}` : ''}</h2>
      {!own ? (
        <p className={styles.muted}>
          {team
            ? "A team's budgets count its members' requests; this view shows the team's usage."
            : 'Live limits are shown to each user on their own dashboard; this view shows their usage.'}
        </p>
      ) : limits.data && limits.updatedAt ? (
        <>
          {limits.error ? <LoadError error={limits.error} stale onRetry={limits.refresh} /> : null}
          <LimitMeters limits={limits.data.limits} now={limits.updatedAt} />
        </>
      ) : limits.error ? (
        <LoadError error={limits.error} onRetry={limits.refresh} />
      ) : (
        <Loading what="limits" />
      )}
    </section>
  );
}

/** The caller's fired spend alerts (their own, their keys' and their team's). */
function OwnAlerts() {
  const alerts = usePolledJson<AlertsReport>('/api/alerts');
  return (
    <PolledSection id="alerts" title="Alerts" what="alerts" polled={alerts}>
      {(data) => <FiredAlerts alerts={data.alerts ?? []} />}
    </PolledSection>
  );
}

function UsageSections({
  report,
  own,
  team,
}: {
  report: UsageReport;
  own: boolean;
  team: boolean;
}) {
  const recent = report.recent;
  const empty = report.totals.requests === 0 && (recent?.length ?? 0) === 0;
  return (
    <>
      <section aria-labelledby="totals-heading">
        <h2 id="totals-heading" className="visually-hidden">
          Totals
        </h2>
        <UsageTotals totals={report.totals} />
      </section>
      <div className={styles.columns}>
        <section className={styles.card} aria-labelledby="daily-heading">
          <h2 id="daily-heading">Per day</h2>
          {empty ? (
            <NoRequests own={own} who={team ? 'this team' : 'this user'} />
          ) : (
            <>
              <UsageChart byDay={report.byDay} />
              <DailyTable byDay={report.byDay} />
            </>
          )}
        </section>
        <LimitsSection own={own} plan={report.plan} team={team} />
      </div>
      {empty ? null : (
        <>
          <section className={styles.card} aria-labelledby="models-heading">
            <h2 id="models-heading">By model</h2>
            <ModelBreakdown report={report} />
          </section>
          {report.byTag && report.byTag.length > 0 ? (
            <section className={styles.card} aria-labelledby="tags-heading">
              <h2 id="tags-heading">By tag</h2>
              <TagBreakdown report={report} />
            </section>
          ) : null}
          {own ? <OwnAlerts /> : null}
          {recent ? (
            <section className={styles.card} aria-labelledby="recent-heading">
              <h2 id="recent-heading">Recent requests</h2>
              {recent.length > 0 ? (
                <RecentRequests requests={recent} />
              ) : (
                <p className={styles.muted}>The request log holds none from this period.</p>
              )}
            </section>
          ) : null}
        </>
      )}
    </>
  );
}

/**
 * One user's or team's usage for the period: the signed-in user's own (an empty subject), or,
 * for an administrator, any user's or team's. The CSV export is per user only.
 */
export function UsageView({
  period,
  subject,
  own,
  onPeriodChange,
}: {
  period: UsagePeriod;
  subject: UsageSubject;
  own: boolean;
  onPeriodChange: (period: UsagePeriod) => void;
}) {
  const team = subject.teamId !== undefined;
  const usage = usePolledJson<UsageReport>(usageUrl(period, subject));
  const report = usage.data;
  return (
    <>
      <DashboardToolbar
        period={period}
        range={report?.period}
        updatedAt={usage.updatedAt}
        exportHref={team ? undefined : exportUrl(period, subject.userId)}
        onPeriodChange={onPeriodChange}
      />
      {usage.error ? (
        <LoadError error={usage.error} stale={!!report} onRetry={usage.refresh} />
      ) : null}
      {report ? (
        <UsageSections report={report} own={own} team={team} />
      ) : usage.error ? null : (
        <Loading what="usage" />
      )}
    </>
  );
}

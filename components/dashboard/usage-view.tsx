'use client';

import type { LimitsReport } from '@/components/ui/limits';
import { usePolledJson } from '@/components/ui/use-polled-json';
import { exportUrl, type UsagePeriod, type UsageReport, usageUrl } from './api';
import styles from './dashboard.module.css';
import { DashboardToolbar } from './dashboard-toolbar';
import { LimitMeters } from './limit-meters';
import { ModelBreakdown } from './model-breakdown';
import { RecentRequests } from './recent-requests';
import { LoadError, Loading, NoRequests } from './status-notices';
import { DailyTable, UsageChart } from './usage-chart';
import { UsageTotals } from './usage-totals';

function LimitsSection({ own, plan }: { own: boolean; plan: string | null }) {
  // `/api/limits` reports the caller only, so another user's live limits cannot be read here.
  const limits = usePolledJson<LimitsReport>(own ? '/api/limits' : null);
  return (
    <section className={styles.card} aria-labelledby="limits-heading">
      <h2 id="limits-heading">Limits{plan ? ` · plan ${plan}` : ''}</h2>
      {!own ? (
        <p className={styles.muted}>
          Live limits are shown to each user on their own dashboard; this view shows their usage.
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

function UsageSections({ report, own }: { report: UsageReport; own: boolean }) {
  const empty = report.totals.requests === 0 && report.recent.length === 0;
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
            <NoRequests own={own} />
          ) : (
            <>
              <UsageChart byDay={report.byDay} />
              <DailyTable byDay={report.byDay} />
            </>
          )}
        </section>
        <LimitsSection own={own} plan={report.plan} />
      </div>
      {empty ? null : (
        <>
          <section className={styles.card} aria-labelledby="models-heading">
            <h2 id="models-heading">By model</h2>
            <ModelBreakdown report={report} />
          </section>
          <section className={styles.card} aria-labelledby="recent-heading">
            <h2 id="recent-heading">Recent requests</h2>
            {report.recent.length > 0 ? (
              <RecentRequests requests={report.recent} />
            ) : (
              <p className={styles.muted}>The request log holds none from this period.</p>
            )}
          </section>
        </>
      )}
    </>
  );
}

/**
 * One user's usage for the period: the signed-in user's own (`userId` undefined), or, for an
 * administrator, anyone's.
 */
export function UsageView({
  period,
  userId,
  own,
  onPeriodChange,
}: {
  period: UsagePeriod;
  userId: string | undefined;
  own: boolean;
  onPeriodChange: (period: UsagePeriod) => void;
}) {
  const usage = usePolledJson<UsageReport>(usageUrl(period, userId));
  const report = usage.data;
  return (
    <>
      <DashboardToolbar
        period={period}
        range={report?.period}
        updatedAt={usage.updatedAt}
        exportHref={exportUrl(period, userId)}
        onPeriodChange={onPeriodChange}
      />
      {usage.error ? (
        <LoadError error={usage.error} stale={!!report} onRetry={usage.refresh} />
      ) : null}
      {report ? (
        <UsageSections report={report} own={own} />
      ) : usage.error ? null : (
        <Loading what="usage" />
      )}
    </>
  );
}

'use client';

import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import type { SessionInfo } from '@/components/ui/api';
import { usePolledJson } from '@/components/ui/use-polled-json';
import { AdminOverview } from './admin-overview';
import { dashboardUrl, toPeriod, type UsagePeriod } from './api';
import styles from './dashboard.module.css';
import { LoadError, Loading } from './status-notices';
import { UsageView } from './usage-view';

function describeViewer(session: SessionInfo): string {
  if (session.kind === 'guest') {
    return `You are a guest (${session.userId}, plan ${session.plan}). Sign in with an API key to see that key's usage.`;
  }
  return `Signed in as ${session.userId} · plan ${session.plan}`;
}

/**
 * The spend dashboard. The address holds the state (`?period=`, and `?userId=` for an
 * administrator looking at one user), so views can be bookmarked and Back works.
 */
export function Dashboard() {
  const searchParams = useSearchParams();
  const router = useRouter();
  const period = toPeriod(searchParams.get('period'));
  const viewedUserId = searchParams.get('userId') || undefined;
  const viewedTeamId = searchParams.get('teamId') || undefined;
  // Polled too, so signing in or out elsewhere (the header, another tab) shows up here.
  const session = usePolledJson<SessionInfo>('/api/session');
  const changePeriod = (next: UsagePeriod) =>
    router.replace(dashboardUrl(next, viewedUserId, viewedTeamId), { scroll: false });

  const viewer = session.data;
  if (!viewer) {
    return (
      <main id="main" className={styles.page}>
        <h1 className={styles.title}>Usage</h1>
        {session.error ? (
          <LoadError error={session.error} onRetry={session.refresh} />
        ) : (
          <Loading what="your session" />
        )}
      </main>
    );
  }

  const own = !viewedTeamId && (!viewedUserId || viewedUserId === viewer.userId);
  const overview = viewer.admin && !viewedUserId && !viewedTeamId;
  const title = overview
    ? 'Usage of the whole deployment'
    : viewedTeamId
      ? `Usage of team ${viewedTeamId}`
      : own
        ? 'Your usage'
        : `Usage of ${viewedUserId}`;
  return (
    <main id="main" className={styles.page} data-viewer={viewer.userId}>
      {own ? null : (
        <Link className={styles.back} href={dashboardUrl(period)}>
          ← {viewer.admin ? 'Overview' : 'Your usage'}
        </Link>
      )}
      <h1 className={styles.title}>{title}</h1>
      <p className={styles.muted} data-testid="viewer">
        {viewer.admin ? `Signed in as ${viewer.userId} (administrator)` : describeViewer(viewer)}
      </p>
      {session.error ? <LoadError error={session.error} stale onRetry={session.refresh} /> : null}
      {overview ? (
        <AdminOverview period={period} onPeriodChange={changePeriod} />
      ) : (
        <UsageView
          key={`${viewer.userId}:${viewedUserId ?? ''}:${viewedTeamId ?? ''}`}
          period={period}
          subject={own ? {} : { userId: viewedUserId, teamId: viewedTeamId }}
          own={own}
          onPeriodChange={changePeriod}
        />
      )}
    </main>
  );
}

import Link from 'next/link';
import type { ReactNode } from 'react';
import { dashboardUrl, type TeamRecord, type UsageOverview, type UsagePeriod } from './api';
import styles from './dashboard.module.css';
import { type BreakdownRow, BreakdownTable } from './model-breakdown';
import { SpendBars } from './spend-bars';

type Dimension = 'users' | 'teams' | 'models' | 'tags';

const titles: Record<Dimension, { heading: string; nameHeader: string; none: string }> = {
  users: { heading: 'Top users', nameHeader: 'User', none: 'No user has usage in this period.' },
  teams: { heading: 'Top teams', nameHeader: 'Team', none: 'No team has usage in this period.' },
  models: { heading: 'Top models', nameHeader: 'Model', none: 'No model was used in this period.' },
  tags: { heading: 'Top tags', nameHeader: 'Tag', none: 'No tagged request in this period.' },
};

/** The overview's rows of one dimension, named and linked where a view exists. */
function rowsOf(
  dimension: Dimension,
  overview: UsageOverview,
  period: UsagePeriod,
  teams: Map<string, TeamRecord>,
): BreakdownRow[] {
  switch (dimension) {
    case 'users':
      return overview.topUsers.map((user) => ({
        name: user.userId,
        label: <Link href={dashboardUrl(period, user.userId)}>{user.userId}</Link>,
        ...user,
      }));
    case 'teams':
      return overview.topTeams.map((team) => ({
        name: team.teamId,
        label: (
          <Link href={dashboardUrl(period, undefined, team.teamId)}>
            {teams.get(team.teamId)?.name ?? team.teamId}
          </Link>
        ),
        ...team,
      }));
    case 'models':
      return overview.topModels.map((model) => ({ name: model.model, ...model }));
    case 'tags':
      return overview.topTags.map((tag) => ({ name: tag.tag, ...tag }));
  }
}

function TopList({
  dimension,
  overview,
  period,
  teams,
  chart,
}: {
  dimension: Dimension;
  overview: UsageOverview;
  period: UsagePeriod;
  teams: Map<string, TeamRecord>;
  chart: boolean;
}) {
  const { heading, nameHeader, none } = titles[dimension];
  const rows = rowsOf(dimension, overview, period, teams);
  // Older deployments answer without `counts`; the list's own length is then the best count.
  const count = overview.counts?.[dimension] ?? rows.length;
  const singular = dimension.slice(0, -1);
  let body: ReactNode = <p className={styles.muted}>{none}</p>;
  if (rows.length > 0) {
    body = (
      <>
        {chart ? <SpendBars label={`Spend by ${singular}`} rows={rows} /> : null}
        <BreakdownTable
          caption={`${heading} by spend`}
          nameHeader={nameHeader}
          rows={rows}
          totals={overview.totals}
          rowTestId={`top-${singular}-row`}
          code={dimension !== 'teams'}
        />
      </>
    );
  }
  return (
    <section
      className={styles.card}
      aria-labelledby={`top-${dimension}-heading`}
      data-testid={`top-${dimension}`}
    >
      <h2 id={`top-${dimension}-heading`}>{heading}</h2>
      {count > rows.length ? (
        <p className={styles.muted}>
          The {rows.length} of {count} with the most spend.
        </p>
      ) : null}
      {body}
    </section>
  );
}

/** The period's top users, models, teams and tags by spend. */
export function TopLists({
  overview,
  period,
  teams,
}: {
  overview: UsageOverview;
  period: UsagePeriod;
  teams: TeamRecord[];
}) {
  const byId = new Map(teams.map((team) => [team.id, team]));
  const props = { overview, period, teams: byId };
  return (
    <>
      <TopList dimension="users" chart {...props} />
      <TopList dimension="models" chart {...props} />
      <TopList dimension="teams" chart={false} {...props} />
      <TopList dimension="tags" chart={false} {...props} />
    </>
  );
}

import Link from 'next/link';
import { dashboardUrl, type TeamRecord, type UsagePeriod } from './api';
import styles from './dashboard.module.css';
import { TableScroll } from './table-scroll';

/** Every team with its plan; a team's name opens its usage view. */
export function TeamsList({ teams, period }: { teams: TeamRecord[]; period: UsagePeriod }) {
  if (teams.length === 0) return <p className={styles.muted}>No teams yet.</p>;
  return (
    <TableScroll label="Teams">
      <table className={styles.table}>
        <caption className="visually-hidden">Teams and their plans</caption>
        <thead>
          <tr>
            <th scope="col">Team</th>
            <th scope="col">Id</th>
            <th scope="col">Plan</th>
          </tr>
        </thead>
        <tbody>
          {[...teams]
            .sort((a, b) => a.name.localeCompare(b.name))
            .map((team) => (
              <tr key={team.id} data-testid="team-row" data-team-id={team.id}>
                <th scope="row">
                  <Link href={dashboardUrl(period, undefined, team.id)}>{team.name}</Link>
                </th>
                <td className={styles.code}>{team.id}</td>
                <td>{team.plan}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

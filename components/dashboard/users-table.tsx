'use client';

import Link from 'next/link';
import { useState } from 'react';
import { formatTokens, formatUsd } from '@/components/ui/format';
import { dashboardUrl, type UsagePeriod, type UserUsage } from './api';
import styles from './dashboard.module.css';
import { TableScroll } from './table-scroll';

type Column =
  | 'userId'
  | 'plan'
  | 'requests'
  | 'inputTokens'
  | 'outputTokens'
  | 'costUsd'
  | 'lastSeenAt';
type Direction = 'ascending' | 'descending';

const columns: { key: Column; label: string; numeric: boolean }[] = [
  { key: 'userId', label: 'User', numeric: false },
  { key: 'plan', label: 'Plan', numeric: false },
  { key: 'requests', label: 'Requests', numeric: true },
  { key: 'inputTokens', label: 'Input tokens', numeric: true },
  { key: 'outputTokens', label: 'Output tokens', numeric: true },
  { key: 'costUsd', label: 'Spend', numeric: true },
  { key: 'lastSeenAt', label: 'Last seen', numeric: false },
];

function cellValue(user: UserUsage, column: Column): string | number {
  switch (column) {
    case 'userId':
      return user.userId;
    case 'plan':
      return user.plan ?? '';
    case 'lastSeenAt':
      return user.lastSeenAt;
    default:
      return user.totals[column];
  }
}

export function sortUsers(users: UserUsage[], column: Column, direction: Direction): UserUsage[] {
  const sign = direction === 'ascending' ? 1 : -1;
  return [...users].sort((a, b) => {
    const left = cellValue(a, column);
    const right = cellValue(b, column);
    const order =
      typeof left === 'number' && typeof right === 'number'
        ? left - right
        : String(left).localeCompare(String(right));
    return sign * order || a.userId.localeCompare(b.userId);
  });
}

const seenFormat = new Intl.DateTimeFormat('en-US', {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/** Every user with their totals; a column header sorts, a user opens their own view. */
export function UsersTable({ users, period }: { users: UserUsage[]; period: UsagePeriod }) {
  const [sort, setSort] = useState<{ column: Column; direction: Direction }>({
    column: 'costUsd',
    direction: 'descending',
  });
  const sorted = sortUsers(users, sort.column, sort.direction);

  function sortBy(column: Column, numeric: boolean) {
    setSort((current) =>
      current.column === column
        ? { column, direction: current.direction === 'ascending' ? 'descending' : 'ascending' }
        : { column, direction: numeric ? 'descending' : 'ascending' },
    );
  }

  return (
    <TableScroll label="Users and their totals">
      <table className={styles.table}>
        <caption className="visually-hidden">
          Users and their totals for the period; column buttons sort the table.
        </caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th
                key={column.key}
                scope="col"
                aria-sort={sort.column === column.key ? sort.direction : undefined}
              >
                <button
                  type="button"
                  className={styles.sortButton}
                  onClick={() => sortBy(column.key, column.numeric)}
                >
                  {column.label}
                  <span aria-hidden="true" className={styles.sortMark}>
                    {sort.column === column.key ? (sort.direction === 'ascending' ? '▲' : '▼') : ''}
                  </span>
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {sorted.map((user) => (
            <tr key={user.userId} data-testid="user-row" data-user-id={user.userId}>
              <th scope="row" className={styles.code}>
                <Link href={dashboardUrl(period, user.userId)}>{user.userId}</Link>
              </th>
              <td>{user.plan ?? '–'}</td>
              <td>{formatTokens(user.totals.requests)}</td>
              <td>{formatTokens(user.totals.inputTokens)}</td>
              <td>{formatTokens(user.totals.outputTokens)}</td>
              <td>{formatUsd(user.totals.costUsd)}</td>
              <td>
                <time dateTime={user.lastSeenAt}>
                  {seenFormat.format(Date.parse(user.lastSeenAt))}
                </time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

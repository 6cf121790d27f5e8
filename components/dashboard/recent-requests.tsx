import { formatMs, formatTokens, formatUsd } from '@/components/ui/format';
import { labelOfLimit } from '@/components/ui/limits';
import type { UsageRequest } from './api';
import styles from './dashboard.module.css';
import { TableScroll } from './table-scroll';

const timeFormat = new Intl.DateTimeFormat('en-US', {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

const statusLabels: Record<UsageRequest['status'], string> = {
  ok: 'OK',
  aborted: 'Stopped',
  error: 'Failed',
};

const apiLabels: Record<NonNullable<UsageRequest['api']>, string> = {
  chat: 'Chat',
  openai: 'Chat Completions',
  anthropic: 'Anthropic Messages',
  responses: 'Responses',
};

/** "2 tries" when routing moved on from a failing target before this one served. */
function triesOf(request: UsageRequest): string | null {
  const tries = request.attempts?.filter((attempt) => attempt.outcome !== 'skipped').length ?? 0;
  return tries > 1 ? `${tries} tries` : null;
}

/** A cache hit and what it saved, and the soft limits the request went over. */
function RequestNotes({ request }: { request: UsageRequest }) {
  const warnings = request.limitWarnings ?? [];
  if (!request.cached && warnings.length === 0) return <>—</>;
  return (
    <>
      {request.cached ? (
        <span className={styles.note} data-note="cached">
          Cached
          {request.savedMicroUsd ? `, saved ${formatUsd(request.savedMicroUsd / 1_000_000)}` : ''}
        </span>
      ) : null}
      {warnings.map((limit) => (
        <span key={limit} className={styles.warning} data-note="limit-warning" data-limit={limit}>
          Over soft limit: {labelOfLimit(limit)}
        </span>
      ))}
    </>
  );
}

export function RecentRequests({ requests }: { requests: UsageRequest[] }) {
  return (
    <TableScroll label="Recent requests">
      <table className={styles.table}>
        <caption className="visually-hidden">Recent requests, newest first (at most 50)</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Model</th>
            <th scope="col">Provider</th>
            <th scope="col">API</th>
            <th scope="col">Input tokens</th>
            <th scope="col">Output tokens</th>
            <th scope="col">Cost</th>
            <th scope="col">Latency</th>
            <th scope="col">First token</th>
            <th scope="col">Status</th>
            <th scope="col">Notes</th>
          </tr>
        </thead>
        <tbody>
          {requests.map((request) => {
            const tries = triesOf(request);
            return (
              <tr
                key={request.id}
                data-testid="request-row"
                data-request-id={request.id}
                data-status={request.status}
              >
                <td>
                  <time dateTime={new Date(request.at).toISOString()}>
                    {timeFormat.format(request.at)}
                  </time>
                </td>
                <td className={styles.code}>{request.model}</td>
                <td>{request.provider}</td>
                <td data-column="api">{request.api ? apiLabels[request.api] : '—'}</td>
                <td data-column="input-tokens">{formatTokens(request.inputTokens)}</td>
                <td data-column="output-tokens">{formatTokens(request.outputTokens)}</td>
                <td data-column="cost">{formatUsd(request.costUsd)}</td>
                <td>{formatMs(request.latencyMs)}</td>
                <td>{formatMs(request.timeToFirstTokenMs)}</td>
                <td>
                  <span className={styles.status} data-status={request.status}>
                    {statusLabels[request.status]}
                  </span>
                  {tries ? <span className={styles.tries}> · {tries}</span> : null}
                </td>
                <td data-column="notes">
                  <RequestNotes request={request} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableScroll>
  );
}

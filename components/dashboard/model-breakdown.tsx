import type { ReactNode } from 'react';
import { formatTokens, formatUsd } from '@/components/ui/format';
import type { UsageReport, UsageTotals } from './api';
import styles from './dashboard.module.css';
import { TableScroll } from './table-scroll';

const percent = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });

/** Share of the period's spend, or of its tokens when nothing was priced. */
function shareOf(row: UsageTotals, totals: UsageTotals): number {
  if (totals.costUsd > 0) return row.costUsd / totals.costUsd;
  const tokens = totals.inputTokens + totals.outputTokens;
  return tokens > 0 ? (row.inputTokens + row.outputTokens) / tokens : 0;
}

export interface BreakdownRow extends UsageTotals {
  /** What the row is of: a model id, a user id, a team id, a tag. */
  name: string;
  /** The name as shown, a link say; the plain name by default. */
  label?: ReactNode;
}

/**
 * Usage split by one dimension (model, user, team, tag), with each row's share of the period.
 * Rows carry `data-testid={rowTestId}` and `data-name`, so tests find a row by what it is of.
 */
export function BreakdownTable({
  caption,
  nameHeader,
  rows,
  totals,
  rowTestId,
  code = false,
}: {
  caption: string;
  nameHeader: string;
  rows: BreakdownRow[];
  totals: UsageTotals;
  rowTestId: string;
  /** Names are identifiers (model ids, user ids): shown in monospace. */
  code?: boolean;
}) {
  const byCost = totals.costUsd > 0;
  return (
    <TableScroll label={caption}>
      <table className={styles.table}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{nameHeader}</th>
            <th scope="col">Requests</th>
            <th scope="col">Input tokens</th>
            <th scope="col">Output tokens</th>
            <th scope="col">Spend</th>
            <th scope="col">{byCost ? 'Share of spend' : 'Share of tokens'}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const share = shareOf(row, totals);
            return (
              <tr key={row.name} data-testid={rowTestId} data-name={row.name}>
                <th scope="row" className={code ? styles.code : undefined}>
                  {row.label ?? row.name}
                </th>
                <td data-column="requests">{formatTokens(row.requests)}</td>
                <td data-column="input-tokens">{formatTokens(row.inputTokens)}</td>
                <td data-column="output-tokens">{formatTokens(row.outputTokens)}</td>
                <td data-column="cost">{formatUsd(row.costUsd)}</td>
                <td>
                  <span className={styles.share}>
                    <span
                      className={styles.shareBar}
                      style={{ width: `${Math.round(share * 100)}%` }}
                    />
                  </span>
                  {percent.format(share)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableScroll>
  );
}

export function ModelBreakdown({ report }: { report: UsageReport }) {
  return (
    <BreakdownTable
      caption="Usage by model"
      nameHeader="Model"
      rows={report.byModel.map((model) => ({ name: model.model, ...model }))}
      totals={report.totals}
      rowTestId="model-row"
      code
    />
  );
}

/** Spend by tag; requests without a tag are in the totals but in no row. */
export function TagBreakdown({ report }: { report: UsageReport }) {
  return (
    <BreakdownTable
      caption="Usage by tag"
      nameHeader="Tag"
      rows={(report.byTag ?? []).map((tag) => ({ name: tag.tag, ...tag }))}
      totals={report.totals}
      rowTestId="tag-row"
      code
    />
  );
}

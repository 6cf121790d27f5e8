import { formatTokens, formatUsd } from '@/components/ui/format';
import type { UsageReport } from './api';
import styles from './dashboard.module.css';
import { TableScroll } from './table-scroll';

const percent = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });

/** Share of the period's spend, or of its tokens when nothing was priced. */
function shareOf(model: UsageReport['byModel'][number], totals: UsageReport['totals']): number {
  if (totals.costUsd > 0) return model.costUsd / totals.costUsd;
  const tokens = totals.inputTokens + totals.outputTokens;
  return tokens > 0 ? (model.inputTokens + model.outputTokens) / tokens : 0;
}

export function ModelBreakdown({ report }: { report: UsageReport }) {
  const byCost = report.totals.costUsd > 0;
  return (
    <TableScroll label="Spend by model">
      <table className={styles.table}>
        <caption className="visually-hidden">Usage by model</caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Requests</th>
            <th scope="col">Input tokens</th>
            <th scope="col">Output tokens</th>
            <th scope="col">Spend</th>
            <th scope="col">{byCost ? 'Share of spend' : 'Share of tokens'}</th>
          </tr>
        </thead>
        <tbody>
          {report.byModel.map((model) => {
            const share = shareOf(model, report.totals);
            return (
              <tr key={model.model} data-testid="model-row" data-model={model.model}>
                <th scope="row" className={styles.code}>
                  {model.model}
                </th>
                <td>{formatTokens(model.requests)}</td>
                <td>{formatTokens(model.inputTokens)}</td>
                <td>{formatTokens(model.outputTokens)}</td>
                <td>{formatUsd(model.costUsd)}</td>
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

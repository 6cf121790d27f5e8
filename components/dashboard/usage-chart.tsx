'use client';

import { Bar, CartesianGrid, ComposedChart, Legend, Line, Tooltip, XAxis, YAxis } from 'recharts';
import { formatTokens, formatUsd } from '@/components/ui/format';
import type { UsageReport } from './api';
import styles from './dashboard.module.css';
import { TableScroll } from './table-scroll';

const dayFormat = new Intl.DateTimeFormat('en-US', {
  month: 'short',
  day: 'numeric',
  timeZone: 'UTC',
});

/** "2026-11-21" (a UTC day) as "Nov 21". */
export function formatDay(day: string): string {
  return dayFormat.format(Date.parse(`${day}T00:00:00Z`));
}

const compact = new Intl.NumberFormat('en-US', { notation: 'compact' });

const seriesNames: Record<string, string> = {
  inputTokens: 'Input tokens',
  outputTokens: 'Output tokens',
  costUsd: 'Spend',
};

// SVG paints take the theme's CSS variables, so the chart follows light and dark by itself.
const axisTick = { fill: 'var(--muted)', fontSize: 12 };

/** Spend (line, right axis) and input and output tokens (stacked bars, left axis) per UTC day. */
export function UsageChart({ byDay }: { byDay: UsageReport['byDay'] }) {
  return (
    <div
      className={styles.chart}
      role="img"
      aria-label="Chart of input and output tokens and spend per day; the numbers are in the table that follows."
    >
      <ComposedChart
        data={byDay}
        responsive
        style={{ width: '100%', height: '100%' }}
        margin={{ top: 8, right: 4, bottom: 0, left: 4 }}
        accessibilityLayer={false}
      >
        <CartesianGrid stroke="var(--border)" vertical={false} />
        <XAxis dataKey="day" tickFormatter={formatDay} tick={axisTick} stroke="var(--border)" />
        <YAxis
          yAxisId="tokens"
          tickFormatter={(value: number) => compact.format(value)}
          tick={axisTick}
          stroke="var(--border)"
          width={44}
        />
        <YAxis
          yAxisId="spend"
          orientation="right"
          tickFormatter={(value: number) => formatUsd(value)}
          tick={axisTick}
          stroke="var(--border)"
          width={72}
        />
        <Tooltip
          labelFormatter={(day) => formatDay(String(day))}
          formatter={(value, name) => [
            name === 'Spend' ? formatUsd(Number(value)) : formatTokens(Number(value)),
            name,
          ]}
          contentStyle={{
            background: 'var(--background)',
            border: '1px solid var(--border)',
            borderRadius: 8,
          }}
          cursor={{ fill: 'var(--surface)' }}
        />
        <Legend formatter={(value) => <span className={styles.legendText}>{value}</span>} />
        <Bar
          yAxisId="tokens"
          dataKey="inputTokens"
          name={seriesNames.inputTokens}
          stackId="tokens"
          fill="var(--chart-input)"
          isAnimationActive={false}
        />
        <Bar
          yAxisId="tokens"
          dataKey="outputTokens"
          name={seriesNames.outputTokens}
          stackId="tokens"
          fill="var(--chart-output)"
          radius={[3, 3, 0, 0]}
          isAnimationActive={false}
        />
        <Line
          yAxisId="spend"
          dataKey="costUsd"
          name={seriesNames.costUsd}
          stroke="var(--chart-spend)"
          strokeWidth={2}
          dot={{ r: 3, fill: 'var(--chart-spend)' }}
          isAnimationActive={false}
        />
      </ComposedChart>
    </div>
  );
}

/** The chart's numbers for screen readers and anyone who prefers a table. */
export function DailyTable({ byDay }: { byDay: UsageReport['byDay'] }) {
  return (
    <details className={styles.details}>
      <summary>Show the numbers per day</summary>
      <TableScroll label="Usage per day">
        <table className={styles.table}>
          <caption className="visually-hidden">Usage per day (UTC)</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Requests</th>
              <th scope="col">Input tokens</th>
              <th scope="col">Output tokens</th>
              <th scope="col">Spend</th>
            </tr>
          </thead>
          <tbody>
            {byDay.map((day) => (
              <tr key={day.day}>
                <th scope="row">{formatDay(day.day)}</th>
                <td>{formatTokens(day.requests)}</td>
                <td>{formatTokens(day.inputTokens)}</td>
                <td>{formatTokens(day.outputTokens)}</td>
                <td>{formatUsd(day.costUsd)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </details>
  );
}

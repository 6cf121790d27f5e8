'use client';

import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from 'recharts';
import { formatUsd } from '@/components/ui/format';
import styles from './dashboard.module.css';

const axisTick = { fill: 'var(--muted)', fontSize: 12 };
const rowHeight = 28;

/** Spend per name (user, model) as horizontal bars; the table beside it has the numbers. */
export function SpendBars({
  label,
  rows,
}: {
  label: string;
  rows: { name: string; costUsd: number }[];
}) {
  return (
    <div
      className={styles.barChart}
      style={{ height: rows.length * rowHeight + 40 }}
      role="img"
      aria-label={`${label}; the numbers are in the table that follows.`}
    >
      <BarChart
        data={rows}
        layout="vertical"
        responsive
        style={{ width: '100%', height: '100%' }}
        margin={{ top: 4, right: 12, bottom: 4, left: 12 }}
        accessibilityLayer={false}
      >
        <CartesianGrid stroke="var(--border)" horizontal={false} />
        <XAxis
          type="number"
          dataKey="costUsd"
          tickFormatter={(value: number) => formatUsd(value)}
          tick={axisTick}
          stroke="var(--border)"
        />
        <YAxis
          type="category"
          dataKey="name"
          tick={axisTick}
          stroke="var(--border)"
          width={160}
          tickFormatter={(name: string) => (name.length > 20 ? `${name.slice(0, 19)}…` : name)}
        />
        <Tooltip
          formatter={(value) => [formatUsd(Number(value)), 'Spend']}
          contentStyle={{
            background: 'var(--background)',
            border: '1px solid var(--border)',
            borderRadius: 8,
          }}
          cursor={{ fill: 'var(--surface)' }}
        />
        <Bar dataKey="costUsd" name="Spend" fill="var(--chart-spend)" isAnimationActive={false} />
      </BarChart>
    </div>
  );
}

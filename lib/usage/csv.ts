import type { RequestLogEntry } from '@/lib/limits/budget';

const header = [
  'time',
  'model',
  'provider',
  'status',
  'input_tokens',
  'output_tokens',
  'cost_usd',
  'latency_ms',
  'time_to_first_token_ms',
];

/** RFC 4180: a field holding a comma, a quote or a line break is quoted, quotes doubled. */
function quoteField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function toRow(fields: string[]): string {
  return fields.map(quoteField).join(',');
}

/** One row per request, after a header row; CRLF line ends, as RFC 4180 asks. */
export function formatRequestsCsv(requests: readonly RequestLogEntry[]): string {
  const rows = requests.map((request) =>
    toRow([
      new Date(request.at).toISOString(),
      request.model,
      request.provider,
      request.status,
      String(request.inputTokens),
      String(request.outputTokens),
      // Integer micro-dollars have exactly six decimals; never an exponent like 1e-6.
      (request.costMicroUsd / 1_000_000).toFixed(6),
      String(request.latencyMs),
      request.timeToFirstTokenMs === null ? '' : String(request.timeToFirstTokenMs),
    ]),
  );
  return `${[toRow(header), ...rows].join('\r\n')}\r\n`;
}

/** A file name safe inside a quoted `content-disposition` parameter. */
export function usageCsvFilename(userId: string, period: string): string {
  return `tollgate-usage-${userId.replace(/[^\w.@-]/g, '_')}-${period}.csv`;
}

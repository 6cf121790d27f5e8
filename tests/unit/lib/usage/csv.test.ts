import { describe, expect, it } from 'vitest';
import { formatRequestsCsv, usageCsvFilename } from '@/lib/usage/csv';
import { logEntry } from './fake-usage-redis';

describe('formatRequestsCsv', () => {
  it('writes a header row and one CRLF-ended row per request', () => {
    const csv = formatRequestsCsv([
      logEntry({
        at: Date.parse('2026-03-15T12:00:00Z'),
        model: 'openai/gpt-5.4',
        costMicroUsd: 1,
        timeToFirstTokenMs: null,
      }),
    ]);
    expect(csv).toBe(
      'time,model,provider,status,input_tokens,output_tokens,cost_usd,latency_ms,time_to_first_token_ms\r\n' +
        '2026-03-15T12:00:00.000Z,openai/gpt-5.4,openai,ok,100,50,0.000001,800,\r\n',
    );
  });

  it('quotes fields holding commas, quotes or line breaks, doubling the quotes', () => {
    const csv = formatRequestsCsv([
      logEntry({ at: 0, model: 'local/a,b', provider: 'say "hi"\nthere' }),
    ]);
    expect(csv.split('\r\n')[1]).toBe(
      '1970-01-01T00:00:00.000Z,"local/a,b","say ""hi""\nthere",ok,100,50,0.001000,800,200',
    );
  });

  it('writes only the header when there were no requests', () => {
    expect(formatRequestsCsv([]).split('\r\n')).toHaveLength(2);
  });
});

describe('usageCsvFilename', () => {
  it('keeps the name safe inside a quoted header parameter', () => {
    expect(usageCsvFilename('alice@example.com', 'week')).toBe(
      'tollgate-usage-alice@example.com-week.csv',
    );
    expect(usageCsvFilename('a"b/c', 'day')).toBe('tollgate-usage-a_b_c-day.csv');
  });
});

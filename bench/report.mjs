// The Markdown table of a benchmark run.
import { sizeLimitsKb } from './function-sizes.mjs';

/** @param {number | null | undefined} value */
function format(value, unit = '') {
  if (value === null || value === undefined) return '–';
  if (!Number.isFinite(value)) return 'n/a';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)}${unit}`;
}

/** @param {number | null | undefined} value */
function signed(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return format(value);
  return `${value >= 0 ? '+' : ''}${format(value)}`;
}

/** @param {number | null | undefined} value */
function ratio(value) {
  return value === null || value === undefined || !Number.isFinite(value)
    ? format(value)
    : `×${value.toFixed(2)}`;
}

/**
 * @param {{ stamp: string, mode: string, durationMs: number, machine: any, setup: any,
 *   metrics: Array<{ label: string, unit: string, values: any, derived: any }>,
 *   functionSizes?: Array<{ name: string, gzipKb: number, chat: boolean, tokenizer: boolean }> }} results
 */
export function toMarkdown(results) {
  const lines = [
    `# Tollgate benchmark ${results.stamp}`,
    '',
    `${results.mode} run, ${(results.durationMs / 1000).toFixed(0)} s, ${results.machine.cpus} CPUs (${results.machine.cpuModel}), Node ${results.machine.node}.`,
    `Streams: ${results.setup.streamChunks} chunks ${results.setup.chunkDelayMs} ms apart. Plan with ${results.setup.plan}.`,
    'direct = the test upstream itself; floor = a minimal Node pass-through proxy; next floor = a minimal Next.js app whose one Edge route relays to the upstream (`bench/next-floor`); portkey = the Portkey gateway 1.15.2 (Node, headless, `x-portkey-provider: openai` with the upstream as custom host); v1 = `/api/v1/chat/completions`; chat = `/api/chat`.',
    '',
    '| metric | unit | direct | floor | next floor | portkey | v1 | v1 − direct | v1 − next floor | v1 / floor | v1 / next floor | chat | chat − direct | chat − next floor | chat / floor | chat / next floor |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  /** @param {{ minusDirect: number | null, minusNextFloor: number | null, ratioToFloor: number | null, ratioToNextFloor?: number | null } | undefined} derived */
  const comparisons = (derived) =>
    `${signed(derived?.minusDirect)} | ${signed(derived?.minusNextFloor)} | ${ratio(derived?.ratioToFloor)} | ${ratio(derived?.ratioToNextFloor)}`;
  for (const metric of results.metrics) {
    const { values, derived } = metric;
    lines.push(
      `| ${metric.label} | ${metric.unit} | ${format(values.direct)} | ${format(values.floor)} | ${format(values.nextFloor)} | ${format(values.portkey)} | ${format(values.v1)} | ${comparisons(derived.v1)} | ${format(values.chat)} | ${comparisons(derived.chat)} |`,
    );
  }
  if (results.functionSizes) {
    lines.push(
      '',
      `Edge functions of the build, gzipped (Vercel counts the gzipped function; Hobby allows 1 MB). Budgets: a chat route ${sizeLimitsKb.chat} KB, any other ${sizeLimitsKb.other} KB.`,
      '',
      '| function | gzipped KB | budget KB | tokenizer |',
      '| --- | ---: | ---: | --- |',
    );
    for (const size of results.functionSizes) {
      lines.push(
        `| \`${size.name}\` | ${size.gzipKb} | ${size.chat ? sizeLimitsKb.chat : sizeLimitsKb.other} | ${size.tokenizer ? 'yes' : 'no'} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

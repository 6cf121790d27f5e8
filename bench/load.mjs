// Load generation and the statistics of its samples. Every loop is bounded by a count and a
// deadline; every request goes through the global fetch (undici) over loopback.

/**
 * A measured endpoint: where to POST and how to recognise its content events.
 * @typedef {object} Target
 * @property {string} name
 * @property {(stream: boolean) => string} url
 * @property {Record<string, string> | ((stream: boolean) => Record<string, string>)} headers
 * @property {(stream: boolean) => string} body
 * @property {(event: string) => boolean} isContent Whether an SSE event carries answer text.
 */

/**
 * @typedef {object} StreamSample
 * @property {number} firstByteMs Time to the first body bytes.
 * @property {number} firstTokenMs Time to the first content event.
 * @property {number} totalMs Time to the end of the body.
 * @property {number[]} gapsMs Time between consecutive content events, as the client read them.
 * @property {number} contentEvents
 */

/** @param {Target} target @param {boolean} stream */
const headersOf = (target, stream) =>
  typeof target.headers === 'function' ? target.headers(stream) : target.headers;

/** @param {Target} target */
export async function requestOnce(target) {
  const startedAt = performance.now();
  const response = await fetch(target.url(false), {
    method: 'POST',
    headers: headersOf(target, false),
    body: target.body(false),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${target.name}: ${response.status} ${text}`);
  return performance.now() - startedAt;
}

/**
 * @param {Target} target
 * @returns {Promise<StreamSample>}
 */
export async function streamOnce(target) {
  const startedAt = performance.now();
  const response = await fetch(target.url(true), {
    method: 'POST',
    headers: headersOf(target, true),
    body: target.body(true),
  });
  if (response.status !== 200 || !response.body) {
    throw new Error(`${target.name}: ${response.status} ${await response.text()}`);
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let firstByteAt;
  /** @type {number[]} */
  const contentAt = [];
  for (;;) {
    const { done, value } = await reader.read();
    const at = performance.now();
    if (done) break;
    firstByteAt ??= at;
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (target.isContent(event)) contentAt.push(at);
    }
  }
  const endedAt = performance.now();
  if (contentAt.length === 0) throw new Error(`${target.name}: a stream without content`);
  return {
    firstByteMs: (firstByteAt ?? endedAt) - startedAt,
    firstTokenMs: (contentAt[0] ?? endedAt) - startedAt,
    totalMs: endedAt - startedAt,
    gapsMs: contentAt.slice(1).map((at, index) => at - (contentAt[index] ?? at)),
    contentEvents: contentAt.length,
  };
}

/**
 * Runs `once` from `concurrency` workers until `count` calls were made or `maxMs` passed.
 * @template T
 * @param {{ concurrency: number, count: number, maxMs: number, once: () => Promise<T> }} options
 */
export async function closedLoop({ concurrency, count, maxMs, once }) {
  /** @type {T[]} */
  const samples = [];
  /** @type {string[]} */
  const errors = [];
  let issued = 0;
  const startedAt = performance.now();
  const deadline = startedAt + maxMs;
  const worker = async () => {
    while (issued < count && performance.now() < deadline) {
      issued += 1;
      try {
        samples.push(await once());
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { samples, errors, elapsedMs: performance.now() - startedAt };
}

/**
 * Nearest-rank percentile; NaN for no samples.
 * @param {number[]} values
 * @param {number} p 0..100
 */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

/** Sets every header of `from` on `to`, replacing what `to` had under the same names. */
export function copyHeaders(from: Headers, to: Headers): void {
  from.forEach((value, name) => {
    to.set(name, value);
  });
}

/** Like `copyHeaders`, but cookies are added to those `to` already sets, never replace them. */
export function mergeHeaders(from: Headers, to: Headers): void {
  for (const cookie of from.getSetCookie()) to.append('set-cookie', cookie);
  from.forEach((value, name) => {
    if (name !== 'set-cookie') to.set(name, value);
  });
}

/** The headers of every event-stream reply. */
export const eventStreamHeaders: Record<string, string> = {
  'content-type': 'text/event-stream; charset=utf-8',
  // `no-transform` keeps `next start` (and proxies) from compressing, and so holding back, events.
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

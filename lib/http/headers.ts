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

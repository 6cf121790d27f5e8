/** Sets every header of `from` on `to`, replacing what `to` had under the same names. */
export function copyHeaders(from: Headers, to: Headers): void {
  from.forEach((value, name) => {
    to.set(name, value);
  });
}

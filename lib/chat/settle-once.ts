/**
 * A promise that a stream resolves at most once, whoever ends it first (finish, error, abort);
 * later endings are ignored. `onSettled` runs once, when it resolves.
 */
export function settleOnce<T>(onSettled?: () => void) {
  let resolve: (value: T) => void = () => {};
  let settled = false;
  const promise = new Promise<T>((resolver) => {
    resolve = resolver;
  });
  return {
    outcome: promise,
    isSettled: () => settled,
    settle(value: T) {
      if (settled) return;
      settled = true;
      onSettled?.();
      resolve(value);
    },
  };
}

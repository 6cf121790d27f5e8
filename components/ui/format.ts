/** Display formatting shared by the chat page and the dashboard. */

const integer = new Intl.NumberFormat('en-US');

export function formatTokens(tokens: number): string {
  return integer.format(tokens);
}

/** Dollars with enough digits that a cheap request does not read as $0.00. */
export function formatUsd(amount: number | null | undefined): string {
  if (amount === null || amount === undefined) return 'no price';
  if (amount === 0) return '$0';
  if (Math.abs(amount) >= 1) return `$${amount.toFixed(2)}`;
  if (Math.abs(amount) >= 0.01) return `$${amount.toFixed(4)}`;
  return `$${amount.toFixed(6)}`;
}

export function formatMs(milliseconds: number | null | undefined): string {
  if (milliseconds === null || milliseconds === undefined) return '–';
  return milliseconds >= 1000
    ? `${(milliseconds / 1000).toFixed(2)} s`
    : `${Math.round(milliseconds)} ms`;
}

/** Price per million tokens, as on provider price lists. */
export function formatPricePerMTok(price: number | undefined): string {
  return price === undefined ? '–' : `$${price}/M`;
}

/** "in 42 s", "in 3 h": how long until an epoch-milliseconds moment. */
export function formatTimeUntil(epochMs: number, now: number): string {
  const seconds = Math.max(0, Math.ceil((epochMs - now) / 1000));
  if (seconds < 90) return `in ${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `in ${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 36 ? `in ${hours} h` : `in ${Math.round(hours / 24)} days`;
}

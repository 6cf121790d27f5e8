/** Headers every response carries: set in `next.config.ts`, so they hold on any host. */
export const securityHeaders = [
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=()' },
];

/** A fresh, unguessable nonce for one page response. */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/**
 * The pages' Content-Security-Policy. Scripts run only with this response's nonce (Next puts it
 * on its own scripts when it finds the policy on the request) and what they load
 * ('strict-dynamic'). `unsafe-eval` only in development, where React needs it for debugging.
 * Inline styles are allowed: the chart library sets `style` attributes, which a nonce cannot cover.
 */
export function contentSecurityPolicy(nonce: string, { development }: { development: boolean }) {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

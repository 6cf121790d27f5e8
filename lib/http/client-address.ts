/**
 * The client's address as the platform reports it: the first entry of `x-forwarded-for` (on
 * Vercel, the client's own address: Vercel overwrites what a client sends), else `x-real-ip`.
 * Behind another proxy that appends to `x-forwarded-for`, the first entry is whatever the client
 * sent; configure that proxy to overwrite it. Without either header: `unknown` (one bucket).
 */
export function clientAddress(request: Request): string {
  const forwarded = request.headers.get('x-forwarded-for')?.split(',')[0]?.trim();
  return forwarded || request.headers.get('x-real-ip')?.trim() || 'unknown';
}

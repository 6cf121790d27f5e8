/**
 * Runs once when a server starts. Under `next start` (Node.js), two things happen before any
 * route or middleware could see them, so they are handled at the HTTP server (see
 * instrumentation-node.ts). On Vercel the platform's edge handles both; there this is a no-op.
 */
export async function register() {
  // NEXT_RUNTIME is set by Next itself, not a setting: it says which runtime loads this file.
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { guardHttpServer } = await import('./instrumentation-node');
  guardHttpServer();
}

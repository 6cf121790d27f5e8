// A config of its own: without one, Next would find and load the repo's next.config.ts above.
/** @type {import('next').NextConfig} */
export default {
  poweredByHeader: false,
  // As Tollgate's own config: Vercel compresses at its edge, so neither gzips under next start.
  compress: false,
  // Turbopack takes the repo root (where the lockfile is) as the workspace root and would bundle
  // the repo's middleware.ts into this app; that file's extension is not a page extension here.
  pageExtensions: ['js', 'jsx'],
};

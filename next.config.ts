import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { NextConfig } from 'next';
import { PHASE_PRODUCTION_BUILD } from 'next/constants';
import { ConfigError, loadConfig } from './lib/config/load';
import { securityHeaders } from './lib/http/security-headers';

function stop(message: string): never {
  console.error(`tollgate: invalid configuration: ${message}`);
  process.exit(1);
}

/**
 * `GATEWAY_CONFIG=@path/to/file.json` is read here, on the server at start (and at build, which
 * bakes it into the bundle, because Vercel's functions have no file system to read it from).
 */
function readGatewayConfigFile(): string | undefined {
  const value = process.env.GATEWAY_CONFIG?.trim();
  if (!value?.startsWith('@')) return undefined;
  const path = resolve(value.slice(1));
  try {
    const text = readFileSync(path, 'utf8');
    process.env.GATEWAY_CONFIG = text;
    return text;
  } catch (error) {
    stop(`GATEWAY_CONFIG: cannot read ${path} (${(error as NodeJS.ErrnoException).code})`);
  }
}

export default function nextConfig(phase: string): NextConfig {
  const gatewayConfigFromFile = readGatewayConfigFile();
  try {
    // Secrets are a runtime matter: a build may run without them.
    loadConfig(process.env, { requireSecrets: phase !== PHASE_PRODUCTION_BUILD });
  } catch (error) {
    if (error instanceof ConfigError) stop(error.message);
    throw error;
  }
  return {
    poweredByHeader: false,
    // Vercel compresses at its edge; under `next start` gzip only costs CPU on the hot path.
    compress: false,
    reactStrictMode: true,
    env: gatewayConfigFromFile ? { GATEWAY_CONFIG: gatewayConfigFromFile } : {},
    headers: async () => [{ source: '/:path*', headers: securityHeaders }],
  };
}

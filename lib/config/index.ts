import { type Config, loadConfig } from './load';

export type { Config } from './load';
export { ConfigError, loadConfig } from './load';
export type * from './schema';

let cached: Config | undefined;

/** The config of this process, parsed once. The only reader of `process.env` in the app. */
export function getConfig(): Config {
  // Named explicitly: a GATEWAY_CONFIG read from a file at build is inlined only where the code
  // says `process.env.GATEWAY_CONFIG`.
  cached ??= loadConfig({ ...process.env, GATEWAY_CONFIG: process.env.GATEWAY_CONFIG });
  return cached;
}
export type { GuestsConfig } from './load';
export { catalogIdOf, matchesModel, ownEntry } from './lookup';

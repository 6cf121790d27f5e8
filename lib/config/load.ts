import type { z } from 'zod';
import { defaultPlans, defaultProviders, defaults, demoModels } from './defaults';
import {
  type Env,
  envSchema,
  gatewayConfigSchema,
  type ModelConfig,
  type Plan,
  type ProviderConfig,
  type RoutingConfig,
  type SharedLimits,
} from './schema';

/** Guests' bounds, with the defaults filled in (see `guestsSchema`). */
export interface GuestsConfig {
  models: string[];
  sessionsPerAddressPerDay: number;
  perAddress: SharedLimits;
  shared: SharedLimits;
}

export interface Config {
  production: boolean;
  adminToken: string | undefined;
  /** CRON_SECRET: what Vercel Cron sends as a bearer token to the cron routes. */
  cronSecret: string | undefined;
  sessionSecret: string;
  /** Absent when neither UPSTASH_REDIS_REST_* nor KV_REST_API_* is set. */
  redis: { url: string; token: string } | undefined;
  providers: Record<string, ProviderConfig>;
  models: Record<string, ModelConfig>;
  /** Alias -> catalog model id. */
  aliases: Record<string, string>;
  defaultModel: string;
  plans: Record<string, Plan>;
  defaultPlan: string;
  guestPlan: string;
  maxBodyBytes: number;
  corsOrigins: string[];
  routing: RoutingConfig;
  guests: GuestsConfig;
  /** A session unused for this long ends; each use extends it. */
  sessionMaxAgeSeconds: number;
  /** The response cache's store bounds (see `cacheStoreSchema`). */
  cache: { maxEntryBytes: number; maxTotalBytes: number };
}

/** A config that cannot run. The message is one line that names the field. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

// Only used outside production, so local runs need no setup; production requires SESSION_SECRET.
const developmentSessionSecret = 'tollgate-development-session-secret-not-for-production';

/**
 * Parses the environment and GATEWAY_CONFIG (inline JSON; an `@path` must already have been
 * replaced by the file's text, which next.config.ts does on the server) into one typed config.
 */
export function loadConfig(
  rawEnv: Record<string, string | undefined>,
  { requireSecrets = true }: { requireSecrets?: boolean } = {},
): Config {
  const env = parseOrThrow(envSchema, withoutEmptyValues(rawEnv), (path) => path);
  const input = parseOrThrow(gatewayConfigSchema, readGatewayConfig(env.GATEWAY_CONFIG), (path) =>
    path ? `GATEWAY_CONFIG.${path}` : 'GATEWAY_CONFIG',
  );
  const production = env.NODE_ENV === 'production';
  if (production && requireSecrets && !env.SESSION_SECRET) {
    throw new ConfigError('SESSION_SECRET: required in production (32+ random characters)');
  }

  const providers = {
    ...defaultProviders,
    ...providersFromEnv(env),
    ...input.providers,
  };
  const models = ownRecord({ ...demoModels, ...input.models });
  const plans = ownRecord({ ...defaultPlans, ...input.plans });
  const config: Config = {
    production,
    adminToken: env.ADMIN_TOKEN,
    cronSecret: env.CRON_SECRET,
    sessionSecret: env.SESSION_SECRET ?? developmentSessionSecret,
    redis: redisFromEnv(env),
    providers: ownRecord(
      Object.fromEntries(
        Object.entries(providers).map(([id, provider]) => [id, withEnvDefaults(provider, env)]),
      ),
    ),
    models,
    aliases: input.aliases ?? {},
    defaultModel: input.defaultModel ?? defaults.defaultModel,
    plans,
    defaultPlan: input.defaultPlan ?? defaults.defaultPlan,
    guestPlan: input.guestPlan ?? defaults.guestPlan,
    maxBodyBytes: input.maxBodyBytes ?? defaults.maxBodyBytes,
    corsOrigins: input.corsOrigins ?? [...defaults.corsOrigins],
    routing: { ...defaults.routing, ...input.routing },
    guests: {
      models: input.guests?.models ?? [...defaults.guests.models],
      sessionsPerAddressPerDay:
        input.guests?.sessionsPerAddressPerDay ?? defaults.guests.sessionsPerAddressPerDay,
      perAddress: input.guests?.perAddress ?? { ...defaults.guests.perAddress },
      shared: input.guests?.shared ?? { ...defaults.guests.shared },
    },
    sessionMaxAgeSeconds: input.sessions?.maxAgeSeconds ?? defaults.sessionMaxAgeSeconds,
    cache: { ...defaults.cache, ...input.cache },
  };
  checkReferences(config);
  return config;
}

/**
 * A record without a prototype: a client-supplied name (a model id, a plan) such as `__proto__`
 * or `toString` finds nothing in it, whoever looks it up.
 */
function ownRecord<T>(entries: Record<string, T>): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, entries);
}

function readGatewayConfig(text: string | undefined): unknown {
  if (text === undefined) return {};
  if (text.trimStart().startsWith('@')) {
    throw new ConfigError(
      `GATEWAY_CONFIG: the file ${text.trim()} was not read; @path is resolved when the server starts`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`GATEWAY_CONFIG: not valid JSON (${(error as Error).message})`);
  }
}

function providersFromEnv(env: Env): Record<string, ProviderConfig> {
  const providers: Record<string, ProviderConfig> = {};
  if (env.AI_GATEWAY_API_KEY || env.VERCEL_OIDC_TOKEN) providers.gateway = { type: 'gateway' };
  if (env.OPENAI_API_KEY) providers.openai = { type: 'openai' };
  if (env.ANTHROPIC_API_KEY) providers.anthropic = { type: 'anthropic' };
  return providers;
}

/** Options win over env vars; env vars fill what the config leaves out. */
function withEnvDefaults(provider: ProviderConfig, env: Env): ProviderConfig {
  switch (provider.type) {
    case 'gateway':
      return {
        ...provider,
        baseURL: provider.baseURL ?? env.AI_GATEWAY_BASE_URL,
        apiKey: provider.apiKey ?? env.AI_GATEWAY_API_KEY,
      };
    case 'openai':
      return {
        ...provider,
        baseURL: provider.baseURL ?? env.OPENAI_BASE_URL,
        apiKey: provider.apiKey ?? env.OPENAI_API_KEY,
      };
    case 'anthropic':
      return {
        ...provider,
        baseURL: provider.baseURL ?? env.ANTHROPIC_BASE_URL,
        apiKey: provider.apiKey ?? env.ANTHROPIC_API_KEY,
      };
    default:
      return provider;
  }
}

function redisFromEnv(env: Env): Config['redis'] {
  const url = env.UPSTASH_REDIS_REST_URL ?? env.KV_REST_API_URL;
  const token = env.UPSTASH_REDIS_REST_TOKEN ?? env.KV_REST_API_TOKEN;
  if (!url && !token) return undefined;
  if (!url) throw new ConfigError('UPSTASH_REDIS_REST_URL: required when a REST token is set');
  if (!token) throw new ConfigError('UPSTASH_REDIS_REST_TOKEN: required when a REST URL is set');
  return { url, token };
}

function checkReferences(config: Config): void {
  const providerIds = Object.keys(config.providers);
  for (const [modelId, model] of Object.entries(config.models)) {
    model.targets.forEach((target, index) => {
      if (!config.providers[target.provider]) {
        throw new ConfigError(
          `GATEWAY_CONFIG.models["${modelId}"].targets[${index}].provider: unknown provider "${target.provider}" (known: ${providerIds.join(', ')})`,
        );
      }
    });
    model.fallbacks?.forEach((fallback, index) => {
      if (!config.models[fallback] || fallback === modelId) {
        throw new ConfigError(
          `GATEWAY_CONFIG.models["${modelId}"].fallbacks[${index}]: "${fallback}" is not another configured model`,
        );
      }
    });
  }
  // A default served only by the AI Gateway's own catalog is fine when the gateway is configured.
  const gatewayConfigured = Object.values(config.providers).some((p) => p.type === 'gateway');
  if (!config.models[config.defaultModel] && !gatewayConfigured) {
    throw new ConfigError(
      `GATEWAY_CONFIG.defaultModel: "${config.defaultModel}" is not a configured model`,
    );
  }
  for (const field of ['defaultPlan', 'guestPlan'] as const) {
    if (!config.plans[config[field]]) {
      throw new ConfigError(
        `GATEWAY_CONFIG.${field}: unknown plan "${config[field]}" (known: ${Object.keys(config.plans).join(', ')})`,
      );
    }
  }
}

function parseOrThrow<T extends z.ZodType>(
  schema: T,
  value: unknown,
  nameField: (path: string) => string,
): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = (issue?.path ?? []).reduce<string>(
    (text, key) =>
      typeof key === 'number'
        ? `${text}[${key}]`
        : /^[A-Za-z_$][\w$]*$/.test(String(key))
          ? `${text}${text ? '.' : ''}${String(key)}`
          : `${text}["${String(key)}"]`,
    '',
  );
  throw new ConfigError(`${nameField(path)}: ${issue?.message ?? 'invalid'}`);
}

function withoutEmptyValues(env: Record<string, string | undefined>) {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
}

import type { ModelConfig, Plan, ProviderConfig } from './schema';

export const demoModels: Record<string, ModelConfig> = {
  'demo/chat': {
    name: 'Demo chat (offline, free)',
    targets: [{ provider: 'demo', model: 'chat' }],
    pricing: { inputPerMTok: 0, outputPerMTok: 0 },
    contextWindow: 32_768,
    maxOutputTokens: 2_048,
  },
  'demo/instant': {
    name: 'Demo instant (offline, free, no pacing)',
    targets: [{ provider: 'demo', model: 'instant' }],
    pricing: { inputPerMTok: 0, outputPerMTok: 0 },
    contextWindow: 32_768,
    maxOutputTokens: 2_048,
  },
};

export const defaultPlans: Record<string, Plan> = {
  guest: { requestsPerMinute: 5, requestsPerDay: 50, tokensPerDay: 20_000 },
  free: {
    requestsPerMinute: 20,
    requestsPerDay: 500,
    tokensPerMonth: 500_000,
    spendPerMonthUsd: 5,
    concurrentRequests: 4,
  },
  pro: { requestsPerMinute: 120, spendPerMonthUsd: 100, concurrentRequests: 16 },
  admin: { admin: true },
};

export const defaultProviders: Record<string, ProviderConfig> = {
  demo: { type: 'demo' },
};

export const defaults = {
  defaultModel: 'demo/chat',
  defaultPlan: 'free',
  guestPlan: 'guest',
  maxBodyBytes: 1024 * 1024,
  corsOrigins: ['*'],
  routing: {
    firstTokenTimeoutMs: 15_000,
    // Under Vercel's Edge limit: a response must begin within 25 s there.
    requestTimeoutMs: 24_000,
    circuitFailureThreshold: 5,
    circuitWindowMs: 30_000,
    circuitCooldownMs: 30_000,
  },
  guests: {
    models: ['demo/*'],
    sessionsPerAddressPerDay: 100,
    perAddress: { requestsPerMinute: 30, requestsPerDay: 500, tokensPerDay: 200_000 },
    shared: { requestsPerMinute: 300, tokensPerDay: 5_000_000 },
  },
  sessionMaxAgeSeconds: 30 * 86_400,
  cache: { maxEntryBytes: 256 * 1024, maxTotalBytes: 32 * 1024 * 1024 },
} as const;

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
const alias = { '@': root };

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node' },
      },
      {
        // Lib code runs on the Edge in production; its tests run again in that environment.
        resolve: { alias },
        test: {
          name: 'edge',
          include: ['tests/unit/lib/**/*.test.ts'],
          environment: 'edge-runtime',
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/integration/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Each file starts its own stack; two at a time is what two cores can carry.
          maxWorkers: 2,
        },
      },
    ],
  },
});

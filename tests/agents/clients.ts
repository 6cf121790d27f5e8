// The agent clients the integration tests run, from this test-only package (installed by
// tests/agents/install.mjs), never from the app's own dependencies.
import { fileURLToPath } from 'node:url';

export { default as Anthropic } from '@anthropic-ai/sdk';

export const claudeBin = fileURLToPath(new URL('./node_modules/.bin/claude', import.meta.url));
export const codexBin = fileURLToPath(new URL('./node_modules/.bin/codex', import.meta.url));

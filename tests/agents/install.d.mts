/** Runs `npm ci` in tests/agents unless the installed clients match its lockfile. */
export function ensureAgentClients(): void;

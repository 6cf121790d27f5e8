import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claudeBin, codexBin } from '../agents/clients';

export type Json = Record<string, unknown>;

/** The last item of a list in a recorded request body (`messages`, `input`), if it is one. */
export const lastOf = (list: unknown) =>
  Array.isArray(list) ? (list.at(-1) as Json | undefined) : undefined;

export interface AgentRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a CLI to its end (stdin closed, its own process group, killed at `timeoutMs`). */
async function runCli(
  command: string,
  args: string[],
  { cwd, env, timeoutMs }: { cwd: string; env: Record<string, string>; timeoutMs: number },
): Promise<AgentRun> {
  const child = spawn(command, args, {
    cwd,
    // Next types NODE_ENV as always present; a CLI starts without it.
    env: env as NodeJS.ProcessEnv,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {}
  }, timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** A fresh directory for an agent to work in, and a throwaway HOME beside it. */
export function agentWorkspace(name: string): { root: string; work: string; home: string } {
  const root = mkdtempSync(join(tmpdir(), `tollgate-${name}-`));
  const work = join(root, 'work');
  const home = join(root, 'home');
  mkdirSync(work);
  mkdirSync(home);
  return { root, work, home };
}

/** `claude -p` against Tollgate's Anthropic endpoint, offline (see the README's Coding agents). */
export function runClaude({
  baseURL,
  apiKey,
  model,
  prompt,
  workspace,
  timeoutMs = 90_000,
}: {
  baseURL: string;
  apiKey: string;
  model: string;
  prompt: string;
  workspace: { work: string; home: string };
  timeoutMs?: number;
}): Promise<AgentRun> {
  return runCli(
    claudeBin,
    ['-p', prompt, '--output-format', 'json', '--allowedTools', 'Bash', '--model', model],
    {
      cwd: workspace.work,
      timeoutMs,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: workspace.home,
        ANTHROPIC_BASE_URL: baseURL,
        ANTHROPIC_AUTH_TOKEN: apiKey,
        ANTHROPIC_API_KEY: '',
        ANTHROPIC_MODEL: model,
        ANTHROPIC_SMALL_FAST_MODEL: model,
        DISABLE_TELEMETRY: '1',
        DISABLE_ERROR_REPORTING: '1',
        DISABLE_AUTOUPDATER: '1',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      },
    },
  );
}

/** `codex exec` with a custom provider on Tollgate's Responses endpoint, offline. */
export function runCodex({
  baseURL,
  apiKey,
  model,
  prompt,
  workspace,
  supportsWebsockets = false,
  timeoutMs = 90_000,
}: {
  baseURL: string;
  apiKey: string;
  model: string;
  prompt: string;
  workspace: { root: string; work: string; home: string };
  /** Let Codex try the Responses WebSocket first (Tollgate refuses it; Codex falls back). */
  supportsWebsockets?: boolean;
  timeoutMs?: number;
}): Promise<AgentRun> {
  const codexHome = join(workspace.root, 'codex-home');
  mkdirSync(codexHome, { recursive: true });
  writeFileSync(
    join(codexHome, 'config.toml'),
    [
      `model = ${JSON.stringify(model)}`,
      'model_provider = "tollgate"',
      'approval_policy = "never"',
      'sandbox_mode = "danger-full-access"',
      'check_for_update_on_startup = false',
      'web_search = "disabled"',
      '',
      '[analytics]',
      'enabled = false',
      '',
      '[features]',
      'plugins = false',
      'remote_plugin = false',
      'apps = false',
      'goals = false',
      'image_generation = false',
      '',
      '[agents]',
      'enabled = false',
      '',
      '[model_providers.tollgate]',
      'name = "Tollgate"',
      `base_url = ${JSON.stringify(baseURL)}`,
      'env_key = "TOLLGATE_API_KEY"',
      'wire_api = "responses"',
      `supports_websockets = ${supportsWebsockets}`,
      'request_max_retries = 0',
      'stream_max_retries = 0',
      '',
    ].join('\n'),
  );
  return runCli(codexBin, ['exec', '--skip-git-repo-check', '--json', prompt], {
    cwd: workspace.work,
    timeoutMs,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: workspace.home,
      CODEX_HOME: codexHome,
      TOLLGATE_API_KEY: apiKey,
    },
  });
}

import type { ServedRun } from './pipeline';

/**
 * Records how an answer ended, once it has. Until usage records exist this is one structured log
 * line per request, which is also what operators grep for.
 */
export async function recordOutcome(run: ServedRun): Promise<void> {
  const outcome = await run.outcome;
  console.log(
    JSON.stringify({
      event: 'tollgate.chat',
      id: run.id,
      model: run.model,
      provider: run.provider,
      ending: outcome.ending,
      usage: outcome.usage,
      usageSource: outcome.usageSource,
      timeToFirstTokenMs: outcome.timeToFirstTokenMs ?? null,
    }),
  );
}

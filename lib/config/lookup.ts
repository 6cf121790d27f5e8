/**
 * A config entry by a name a client sent (a model id, a plan name): own properties only, so
 * `__proto__`, `constructor` or `toString` are unknown names, never the object's prototype.
 */
export function ownEntry<T>(record: Record<string, T>, name: string): T | undefined {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

/** Whether `modelId` is one of `patterns`: an exact id, `prefix/*`, or `*`. */
export function matchesModel(patterns: readonly string[], modelId: string): boolean {
  return patterns.some((pattern) =>
    pattern.endsWith('*') ? modelId.startsWith(pattern.slice(0, -1)) : pattern === modelId,
  );
}

/** The catalog id a request's model resolves to: the default model, or an alias's target. */
export function catalogIdOf(
  config: { defaultModel: string; aliases: Record<string, string> },
  modelId: string | undefined,
): string {
  const requested = modelId ?? config.defaultModel;
  return ownEntry(config.aliases, requested) ?? requested;
}

// No imports: the config schema reads this, and next.config.ts loads the config at build.

/** Tags one request may carry, after duplicates are dropped. */
export const maxTags = 10;
/**
 * Lowercase, so that `Feature:Chat` and `feature:chat` never split one line of spend in two;
 * no commas (the header's separator) and no spaces.
 */
export const tagPattern = /^[a-z0-9][a-z0-9_.:/-]{0,63}$/;

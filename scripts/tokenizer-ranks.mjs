#!/usr/bin/env node
// Writes lib/tokenizer/cl100k-60k.json: js-tiktoken's cl100k_base table cut to its first 60,000
// ranks (README, "Decisions"). BPE merges in rank order, so the cut table is a tokenizer of its
// own that merges a little less: it counts 2-2.5 % more tokens than the full table on English
// and code, and is 277 KB gzipped instead of 492, which keeps the chat routes' Edge functions
// under their size budget. `tests/unit/lib/tokens.test.ts` checks the file against this.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import cl100kBase from 'js-tiktoken/ranks/cl100k_base';

export const rankLimit = 60_000;
export const ranksFile = fileURLToPath(
  new URL('../lib/tokenizer/cl100k-60k.json', import.meta.url),
);

/**
 * Keeps the ranks below `limit` of a js-tiktoken table, whose `bpe_ranks` lines read
 * `<name> <first rank> <token> <token> …` with consecutive ranks.
 * @param {{ pat_str: string, special_tokens: Record<string, number>, bpe_ranks: string }} ranks
 * @param {number} limit
 */
export function truncateRanks(ranks, limit) {
  const lines = ranks.bpe_ranks.split('\n').flatMap((line) => {
    if (!line) return [];
    const [name, first, ...tokens] = line.split(' ');
    const kept = tokens.slice(0, Math.max(0, limit - Number(first)));
    return kept.length > 0 ? [[name, first, ...kept].join(' ')] : [];
  });
  return { ...ranks, bpe_ranks: lines.join('\n') };
}

export const cl100kRanks = cl100kBase;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(ranksFile, `${JSON.stringify(truncateRanks(cl100kBase, rankLimit), null, 2)}\n`);
  console.log(`wrote ${ranksFile}`);
}

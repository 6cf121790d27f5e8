import { Tiktoken } from 'js-tiktoken/lite';
import cl100kBase from 'js-tiktoken/ranks/cl100k_base';
import { describe, expect, it } from 'vitest';
import cl100k60k from '@/lib/tokenizer/cl100k-60k.json';
import { countTokens } from '@/lib/tokens';
import { rankLimit, truncateRanks } from '../../../scripts/tokenizer-ranks.mjs';

const full = new Tiktoken(cl100kBase);

const prose =
  'Tollgate routes to providers, fails over, streams, and enforces per-user rate limits and ' +
  'hard token and dollar budgets in Redis. A circuit opens after repeated failures of a target ' +
  'and closes after a cool-down; its state is shared by every instance. ';
const code = `export async function route<Result>(candidates: Candidate[], deps: RouterDependencies) {
  const states = await checkCircuits(deps.circuits, candidates);
  for (let index = 0; index < states.length; index++) if (states[index] === 'open') continue;
}
`;
const mixed =
  'Grüße aus Zürich — 東京での会議は午後3時です。¿Dónde está la estación? 🚀 42 × 17 = 714';

describe('the tokenizer', () => {
  it("is js-tiktoken's cl100k_base cut to its first ranks, as scripts/tokenizer-ranks.mjs writes it", () => {
    // Fails when js-tiktoken's table changes and the file was not regenerated.
    expect(cl100k60k).toEqual(truncateRanks(cl100kBase, rankLimit));
  });

  it('counts the common tokens as cl100k does', () => {
    for (const text of ['hello world', ' one two three four five', 'The quick brown fox.']) {
      expect(countTokens(text)).toBe(full.encode(text).length);
    }
  });

  it('never counts fewer tokens than cl100k, and at most a few percent more', () => {
    for (const text of [prose.repeat(20), code.repeat(20), mixed.repeat(20)]) {
      const exact = full.encode(text).length;
      const counted = countTokens(text);
      expect(counted).toBeGreaterThanOrEqual(exact);
      expect(counted / exact).toBeLessThan(1.1);
    }
  });
});

import { describe, expect, it } from 'vitest';
import {
  chatFunctions,
  edgeFunctionSizes,
  oversizedFunctions,
  sizeLimitsKb,
} from '../../bench/function-sizes.mjs';
import { projectRoot } from '../support/app';

// Reads the production build the suite already made (global-setup); nothing is rebuilt.
const sizes = edgeFunctionSizes(`${projectRoot}/.next`);

describe('Edge function sizes (gzipped, as Vercel counts them)', () => {
  it('finds every API route, both chat routes and the middleware in the build', () => {
    const names = sizes.map((size) => size.name);
    for (const name of [...chatFunctions, '/api/health', '/api/models', 'middleware']) {
      expect(names).toContain(name);
    }
  });

  it(`keeps each chat route under ${sizeLimitsKb.chat} KB and every other function under ${sizeLimitsKb.other} KB`, () => {
    expect(oversizedFunctions(sizes)).toEqual([]);
  });

  it('bundles the tokenizer only in the chat routes, where tokens are counted', () => {
    const withTokenizer = sizes.filter((size) => size.tokenizer).map((size) => size.name);
    expect(withTokenizer.sort()).toEqual([...chatFunctions].sort());
  });
});

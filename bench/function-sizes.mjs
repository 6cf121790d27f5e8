// The gzipped size of each Edge function of a production build, read from what `next build`
// leaves in .next: the middleware manifest lists, per function, every file Vercel bundles into
// it (`vercel build` concatenates the same files into the function's index.js; the sizes agree
// within 1 KB). Vercel's Edge limit applies to the gzipped function: 1 MB on Hobby.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

/** Budgets of issue 12: a chat route carries the SDKs and the tokenizer, the rest must not. */
export const sizeLimitsKb = { chat: 700, other: 300 };

/** Routes that run the chat pipeline (and so need the provider SDKs and the tokenizer). */
export const chatFunctions = [
  '/api/chat',
  '/api/v1/chat/completions',
  '/api/v1/responses',
  '/api/anthropic/v1/messages',
  // Counts tokens with the tokenizer budgets reserve with; no SDK, but the tokenizer is most of it.
  '/api/anthropic/v1/messages/count_tokens',
  // A stored conversation's next message: the same chat pipeline as /api/chat.
  '/api/conversations/[id]/messages',
  '/api/count-tokens',
];

// The first ranks of js-tiktoken's cl100k_base table, as they appear in a bundle that has it.
const tokenizerSignature = Buffer.from('! 0 IQ== Ig== Iw== JA==');

/**
 * @param {string} nextDir the build's `.next` directory
 * @returns {Array<{ name: string, gzipKb: number, rawKb: number, chat: boolean, tokenizer: boolean }>}
 */
export function edgeFunctionSizes(nextDir) {
  const manifest = JSON.parse(readFileSync(`${nextDir}/server/middleware-manifest.json`, 'utf8'));
  const functions = [
    ...Object.values(manifest.middleware).map((entry) => ['middleware', entry]),
    ...Object.entries(manifest.functions).map(([page, entry]) => [
      page.replace(/\/route$/, ''),
      entry,
    ]),
  ];
  return functions
    .map(([name, entry]) => {
      // One gzip stream over the files, as in the function's single index.js.
      const files = [...entry.files, ...(entry.wasm ?? []).map((wasm) => wasm.filePath)].map(
        (file) => readFileSync(`${nextDir}/${file}`),
      );
      const raw = Buffer.concat(files);
      return {
        name,
        gzipKb: Math.round(gzipSync(raw).length / 1024),
        rawKb: Math.round(raw.length / 1024),
        chat: chatFunctions.includes(name),
        tokenizer: raw.includes(tokenizerSignature),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The functions over their budget, with the budget they broke. */
export function oversizedFunctions(sizes) {
  return sizes.flatMap((size) => {
    const limitKb = size.chat ? sizeLimitsKb.chat : sizeLimitsKb.other;
    return size.gzipKb > limitKb ? [{ ...size, limitKb }] : [];
  });
}

// `node bench/function-sizes.mjs [.next]`: prints the table.
if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = edgeFunctionSizes(process.argv[2] ?? '.next');
  for (const size of sizes) {
    const limitKb = size.chat ? sizeLimitsKb.chat : sizeLimitsKb.other;
    console.log(
      `${size.name.padEnd(28)} ${String(size.gzipKb).padStart(5)} KB gzipped (limit ${limitKb})`,
    );
  }
}

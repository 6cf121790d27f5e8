export interface TiktokenRanks {
  pat_str: string;
  special_tokens: Record<string, number>;
  bpe_ranks: string;
}
export const rankLimit: number;
export const ranksFile: string;
export const cl100kRanks: TiktokenRanks;
/** Keeps the ranks below `limit` of a js-tiktoken table. */
export function truncateRanks(ranks: TiktokenRanks, limit: number): TiktokenRanks;

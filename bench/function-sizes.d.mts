export interface FunctionSize {
  name: string;
  gzipKb: number;
  rawKb: number;
  /** Whether it is a chat route (and so may carry the provider SDKs and the tokenizer). */
  chat: boolean;
  /** Whether the bundle carries the tokenizer's ranks. */
  tokenizer: boolean;
}
export const sizeLimitsKb: { chat: number; other: number };
export const chatFunctions: string[];
/** Each Edge function of the build in `nextDir` (a `.next` directory), by name. */
export function edgeFunctionSizes(nextDir: string): FunctionSize[];
export function oversizedFunctions(
  sizes: FunctionSize[],
): Array<FunctionSize & { limitKb: number }>;

const paragraphs = [
  'Tollgate is running on its built-in **demo provider**, so this answer was written without calling any AI model. It streams token by token, just like a real provider, and its token counts are exact.',
  'To talk to a real model, set `AI_GATEWAY_API_KEY` (or deploy on Vercel and use OIDC), `OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, or add an OpenAI-compatible server to `GATEWAY_CONFIG`.',
  'Things you can try meanwhile:\n\n- watch the budget meter move as you chat\n- send messages quickly to meet the per-minute limit\n- open the dashboard to see this request, its tokens and its cost',
  'Every request passes the same gate: identity, rate limits, a budget reservation, the provider call, and settlement of the real usage once the answer ends.',
  'A budget is reserved before the call and settled after it, atomically in Redis, so many requests at once cannot spend more than the budget allows.',
  'Here is how another app would call this gateway:\n\n```ts\nconst reply = await fetch("/api/chat", {\n  method: "POST",\n  headers: { authorization: "Bearer " + apiKey },\n  body: JSON.stringify({ messages: [{ role: "user", content: "Hi" }], stream: false }),\n});\n```',
  '| limit | kind |\n| --- | --- |\n| requests per minute | sliding window |\n| tokens per day | budget |\n| dollars per month | budget |',
  'When a provider fails before the first token, Tollgate tries the next target, then the fallback models, so your users rarely notice an outage.',
];

/** FNV-1a: a small, stable hash so the same question always gets the same answer. */
function hash(text: string): number {
  let value = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 0x01000193) >>> 0;
  }
  return value;
}

/** The demo's answer to a question: deterministic, a few paragraphs, Markdown. */
export function writeDemoAnswer(question: string): string {
  const start = hash(question) % paragraphs.length;
  const topic = question.trim().replace(/\s+/g, ' ').slice(0, 80);
  const opening = topic ? `You asked: "${topic}"${topic.length === 80 ? '…' : ''}` : 'Hello!';
  const body = [0, 1, 2].map((offset) => paragraphs[(start + offset) % paragraphs.length]);
  return [opening, ...body].join('\n\n');
}

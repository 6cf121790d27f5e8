import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One POST the receiver got. */
export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the receiver answers a path: a status per attempt of the same `webhook-id` (the last repeats). */
export type Answers = Record<string, number[]>;

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Polls until `predicate` holds on what arrived, or throws at the deadline. */
  waitFor(
    predicate: (received: ReceivedWebhook[]) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1 standing in for an alert webhook's receiver, on a free port
 * unless the app under test was configured with a fixed one (the e2e app).
 */
export async function startWebhookReceiver(
  answers: Answers,
  { port: fixedPort = 0 }: { port?: number } = {},
): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const path = request.url ?? '/';
      const id = request.headers['webhook-id'];
      const seen = received.filter(
        (entry) => entry.path === path && entry.headers['webhook-id'] === id,
      );
      received.push({ path, headers: request.headers, body });
      const statuses = answers[path] ?? [404];
      const status = statuses[Math.min(seen.length, statuses.length - 1)] as number;
      response.writeHead(status, { 'content-type': 'text/plain' }).end(String(status));
    });
  });
  server.listen(fixedPort, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    async waitFor(predicate, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > deadline) {
          throw new Error(`the receiver's deliveries never matched: ${JSON.stringify(received)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return received;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

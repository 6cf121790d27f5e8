// The floor: the least any HTTP proxy in Node can cost. One listener per upstream origin given
// on the command line; each request is piped through to it on a keep-alive connection and the
// answer piped back as it comes. Prints one JSON line: { ports: [...] }.
import { Agent, createServer, request as httpRequest } from 'node:http';

const origins = process.argv.slice(2).map((origin) => new URL(origin));
const agent = new Agent({ keepAlive: true, maxSockets: 1024 });

function listen(origin) {
  const server = createServer((incoming, outgoing) => {
    const forwarded = httpRequest(
      {
        host: origin.hostname,
        port: origin.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, host: origin.host },
        agent,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => {
      if (!outgoing.headersSent) outgoing.writeHead(502);
      outgoing.end();
    });
    incoming.pipe(forwarded);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : 0 });
    });
  });
}

const listeners = await Promise.all(origins.map(listen));
const stop = () => {
  for (const { server } of listeners) server.close();
  agent.destroy();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
console.log(JSON.stringify({ ready: true, ports: listeners.map((listener) => listener.port) }));

// Starts the Portkey gateway (its Node build, headless) on 127.0.0.1 and a free port, for the
// benchmark. Portkey's start-server listens on every interface and takes only `--port`; its
// listener is pinned to loopback here before the server module runs. Prints one JSON line:
// { ready: true, port } once it accepts connections.
import net from 'node:net';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) throw new Error('usage: node start.mjs <port>');

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  // @hono/node-server calls listen(port, callback?): add the host after the port.
  if (typeof args[0] === 'number' && typeof args[1] !== 'string') args.splice(1, 0, '127.0.0.1');
  this.once('listening', () => console.log(JSON.stringify({ ready: true, port })));
  return listen.apply(this, args);
};
process.argv = [process.argv[0] ?? 'node', 'start-server.js', '--headless', `--port=${port}`];
await import('@portkey-ai/gateway/build/start-server.js');

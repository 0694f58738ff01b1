// A small HTTP server using only Node's standard library: a greeting, a JSON endpoint and a
// health check, one log line per request on stdout (what `berth logs` shows).
import { createServer } from 'node:http';
import { hostname } from 'node:os';

const port = Number(process.env.PORT ?? 3000);
const started = new Date();

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  console.log(`${new Date().toISOString()} ${req.method} ${url.pathname}`);
  if (url.pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`Hello from Node.js ${process.version} in a berth container!\n`);
  } else if (url.pathname === '/api/info') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ node: process.version, hostname: hostname(), uid: process.getuid(), env: process.env.NODE_ENV, started }) + '\n');
  } else if (url.pathname === '/healthz') {
    res.writeHead(204).end();
  } else {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('not found\n');
  }
});

server.listen(port, () => console.log(`listening on port ${port}`));

// As a container's PID 1, Node gets no default signal handling: without these handlers
// `berth stop` (SIGTERM) would wait for its timeout and then kill.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    console.log(`${signal}: shutting down`);
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}

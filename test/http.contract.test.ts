import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { scriptedHttp } from '@arbiter/io-memory';
import { nodeHttp } from '@arbiter/io-node';
import { httpContract } from './contract/http.contract.js';

const listen = (handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ base: string; close: () => Promise<void> }> =>
  new Promise((resolve) => {
    const srv = createServer(handler);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      resolve({
        base: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise((r) => {
            srv.closeAllConnections();
            srv.close(() => r());
          }),
      });
    });
  });

/** A port where nothing listens: bind, note the port, close. */
const closedPort = async (): Promise<string> => {
  const s = await listen(() => undefined);
  await s.close();
  return s.base;
};

httpContract('io-node', async () => {
  const s = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/ok') res.end('{"ok":true}');
      else if (req.url === '/status') {
        res.statusCode = 503;
        res.end('down');
      } else if (req.url === '/slow') setTimeout(() => res.end('{}'), 400);
      else if (req.url === '/big') res.end('b'.repeat(4096));
      else if (req.url === '/echo') res.end(JSON.stringify({ body: Buffer.concat(chunks).toString('utf8'), authorization: req.headers.authorization }));
      else {
        res.statusCode = 404;
        res.end();
      }
    });
  });
  return { http: nodeHttp, base: s.base, unreachable: await closedPort(), close: s.close };
});

httpContract('io-memory', async () => ({
  http: scriptedHttp({
    'GET /ok': { status: 200, body: '{"ok":true}' },
    'GET /status': { status: 503, body: 'down' },
    'GET /slow': { status: 200, body: '{}', delayMs: 400 },
    'GET /big': { status: 200, body: 'b'.repeat(4096) },
    'POST /echo': (req) => ({ status: 200, body: JSON.stringify({ body: req.body, authorization: req.headers?.['authorization'] }) }),
  }, 'http://authority.test'),
  base: 'http://authority.test',
  unreachable: 'http://127.0.0.1:1',
  close: async () => undefined,
}));

describe('io-node Http specifics', () => {
  it('a server that sends headers and then stalls mid-body times out (the limit covers the body)', async () => {
    const s = await listen((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('{"partial":');
    });
    const t0 = Date.now();
    const r = await nodeHttp.request({ method: 'GET', url: `${s.base}/x`, timeoutMs: 200, maxBodyBytes: 1000 })();
    expect(r).toMatchObject({ _tag: 'Left', left: { _tag: 'Timeout' } });
    expect(Date.now() - t0).toBeLessThan(5000);
    await s.close();
  });
});

#!/usr/bin/env node
/**
 * Runs INSIDE a fresh network namespace (`unshare -n node ns-run.cjs SOCKET PORT -- COMMAND ARGS…`): brings the
 * loopback interface up, forwards every TCP connection to 127.0.0.1:PORT to the Unix socket SOCKET (where the test
 * process's fake model server listens), then runs COMMAND with inherited stdio and exits with its status. The
 * namespace has no other interface, so the client can reach nothing but loopback. Plain CommonJS, so it needs no
 * build step; argument arrays only, never a shell.
 */
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const net = require('node:net');

const [socket, portText, sep, command, ...args] = process.argv.slice(2);
if (socket === undefined || portText === undefined || sep !== '--' || command === undefined) {
  process.stderr.write('usage: ns-run.cjs SOCKET PORT -- COMMAND [ARGS...]\n');
  process.exit(2);
}
// `ip` lives in /sbin or /usr/sbin; PATH of a test may lack them.
const ip = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => require('node:fs').existsSync(p)) ?? 'ip';
execFileSync(ip, ['link', 'set', 'lo', 'up'], { stdio: 'inherit' });

const server = net.createServer((conn) => {
  const up = net.connect(socket);
  conn.pipe(up).pipe(conn);
  const end = () => {
    conn.destroy();
    up.destroy();
  };
  conn.on('error', end);
  up.on('error', end);
  conn.on('close', end);
  up.on('close', end);
});
server.listen(Number(portText), '127.0.0.1', () => {
  const child = spawn(command, args, { stdio: 'inherit' });
  child.on('error', (e) => {
    process.stderr.write(`ns-run: cannot start ${command}: ${e.message}\n`);
    process.exit(127);
  });
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => {
    server.close();
    process.exit(code ?? (signal === null ? 1 : 128));
  });
});

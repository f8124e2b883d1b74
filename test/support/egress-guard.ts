/**
 * Loaded with `node --import` (NODE_OPTIONS, so child Node processes that inherit the environment get it too):
 * records every attempt to reach anything but this computer — TCP/TLS connects, DNS lookups, UDP sends — to
 * the JSON-lines file named by INFLOW_EGRESS_RECORD, and refuses it. Loopback and local sockets pass.
 * The no-egress test reads the file; a control in the same test proves attempts are caught.
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import fs from 'node:fs';
import net from 'node:net';

const recordFile = process.env.INFLOW_EGRESS_RECORD;
// Each process that loads the guard says so, so a test can check which processes were covered.
if (recordFile !== undefined)
  fs.appendFileSync(`${recordFile}.loaded`, `${JSON.stringify({ pid: process.pid, argv: process.argv.slice(1).join(' ') })}\n`);

function isLocal(host: string | undefined): boolean {
  if (host === undefined || host === '') return true;
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\./.test(h) || /^::ffff:127\./.test(h) || h === '0.0.0.0' || h === '::';
}

function record(kind: string, host: string, port?: unknown): Error {
  const entry = { pid: process.pid, argv: process.argv.slice(1, 3).join(' '), kind, host, port: port ?? null, at: new Date().toISOString() };
  if (recordFile !== undefined) fs.appendFileSync(recordFile, `${JSON.stringify(entry)}\n`);
  return Object.assign(new Error(`egress blocked by the test guard: ${kind} ${host}`), { code: 'ECONNREFUSED' });
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  let host: string | undefined;
  let port: unknown;
  if (typeof first === 'object' && first !== null) {
    const options = first as { host?: string; port?: unknown; path?: string };
    if (options.path === undefined) {
      host = options.host ?? 'localhost';
      port = options.port;
    }
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    port = first;
    host = typeof args[1] === 'string' ? args[1] : 'localhost';
  }
  if (!isLocal(host)) {
    const error = record('connect', host!, port);
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;

const lookup = dns.lookup;
(dns as { lookup: unknown }).lookup = function guardedLookup(hostname: string, ...rest: unknown[]) {
  const callback = rest.at(-1) as (error: Error | null, ...values: unknown[]) => void;
  if (!isLocal(hostname)) {
    const error = record('dns', hostname);
    process.nextTick(() => callback(error));
    return {};
  }
  return (lookup as (...a: unknown[]) => unknown)(hostname, ...rest);
};
const promiseLookup = dns.promises.lookup;
(dns.promises as { lookup: unknown }).lookup = async (hostname: string, ...rest: unknown[]) => {
  if (!isLocal(hostname)) throw record('dns', hostname);
  return (promiseLookup as (...a: unknown[]) => Promise<unknown>)(hostname, ...rest);
};
for (const name of ['resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveTxt', 'resolveSrv'] as const) {
  const original = dns[name] as (...a: unknown[]) => unknown;
  (dns as unknown as Record<string, unknown>)[name] = (hostname: string, ...rest: unknown[]) => {
    if (!isLocal(hostname)) {
      const error = record('dns', hostname);
      const callback = rest.at(-1);
      if (typeof callback === 'function') process.nextTick(() => (callback as (e: Error) => void)(error));
      return undefined;
    }
    return original(hostname, ...rest);
  };
}
const send = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function guardedSend(this: dgram.Socket, ...args: unknown[]) {
  const address = args.find((arg, index) => index > 0 && typeof arg === 'string') as string | undefined;
  if (address !== undefined && !isLocal(address)) {
    const error = record('udp', address);
    const callback = args.at(-1);
    if (typeof callback === 'function') process.nextTick(() => (callback as (e: Error) => void)(error));
    return;
  }
  return (send as (...a: unknown[]) => void).apply(this, args);
} as typeof dgram.Socket.prototype.send;

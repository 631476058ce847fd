import { appendFileSync, chmodSync, mkdirSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalServiceHost } from '../core/localService/localServiceHost';
import { localServiceOps, type LocalServiceApi, type LocalServiceEvent } from '../core/localService/localServiceApi';
import { serviceLockPath, serviceSocketPath } from '../core/localService/serviceEndpoint';
import { acquireServiceLock, LockHeldError } from '../core/localService/serviceLock';
import type { RpcMessage } from '../core/rpc/rpcMessage';
import { serveRpc, type RpcServer } from '../core/rpc/serveRpc';
import { socketChannel } from '../core/rpc/socketChannel';
import { traceServiceErrors } from '../core/traceService/traceServiceProtocol';

/**
 * The per-machine local trace service (bundled as dist/traceService.js), started by the first
 * window that finds none: it owns the store and the receivers, serves every window over a
 * user-only socket, and exits some minutes after the last window has gone.
 */
const { values } = parseArgs({
  options: {
    store: { type: 'string' },
    'max-spans': { type: 'string', default: '200000' },
    'max-storage-mb': { type: 'string' },
    'idle-minutes': { type: 'string', default: '10' },
  },
});
const storeDirectory = values.store;
if (storeDirectory === undefined) {
  process.stderr.write('usage: traceService --store <folder> [--max-spans N] [--max-storage-mb N] [--idle-minutes N]\n');
  process.exit(2);
}
const maxSpans = positive(values['max-spans'], 200_000);
const maxStorageMB = values['max-storage-mb'] === undefined ? undefined : positive(values['max-storage-mb'], 512);
const idleMs = positive(values['idle-minutes'], 10) * 60_000;
mkdirSync(storeDirectory, { recursive: true });
const logFile = join(storeDirectory, 'service.log');

function log(message: string): void {
  try {
    appendFileSync(logFile, `${new Date().toISOString()} [${process.pid}] ${message}\n`);
  } catch {
    // Logging must never take the service down.
  }
}

function positive(text: string | undefined, fallback: number): number {
  const value = Number(text);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

async function main(dir: string): Promise<void> {
  try {
    if (statSync(logFile).size > 1024 * 1024) truncateSync(logFile, 0);
  } catch {
    // No log yet.
  }
  let lock;
  try {
    lock = await acquireServiceLock(serviceLockPath(dir), { holderMarker: basename(process.argv[1] ?? 'traceService.js') });
  } catch (error: unknown) {
    // Another service already owns the store: the window that started this one connects to it.
    if (error instanceof LockHeldError) process.exit(0);
    throw error;
  }
  const socketPath = serviceSocketPath(dir);
  // We hold the lock, so a socket file left there belongs to a service that died.
  if (process.platform !== 'win32') {
    try {
      unlinkSync(socketPath);
    } catch {
      // None was left.
    }
  }
  const servers = new Set<RpcServer<LocalServiceEvent>>();
  const sockets = new Set<Socket>();
  let idleTimer: NodeJS.Timeout | undefined;
  let stopping = false;
  const host: LocalServiceHost = new LocalServiceHost({
    storeDirectory: dir,
    maxSpans,
    ...(maxStorageMB === undefined ? {} : { maxStorageBytes: Math.round(maxStorageMB * 1024 * 1024) }),
    broadcast: (event) => {
      for (const server of servers) server.emit(event);
    },
    windows: () => sockets.size,
    log,
    onShutdown: () => void stop('asked to stop'),
  });
  await host.open();
  const listener = createServer((socket) => {
    if (stopping) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    if (idleTimer !== undefined) clearTimeout(idleTimer);
    idleTimer = undefined;
    const channel = socketChannel<RpcMessage<LocalServiceEvent>>(socket, { maxBufferedBytes: 256 * 1024 * 1024 });
    const server = serveRpc<LocalServiceApi, LocalServiceEvent>(channel, host, localServiceOps, { errors: traceServiceErrors });
    servers.add(server);
    channel.onClose(() => {
      servers.delete(server);
      sockets.delete(socket);
      if (sockets.size === 0 && !stopping) idleTimer = setTimeout(() => void stop('no window for a while'), idleMs);
    });
  });
  const stop = async (why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log(`stopping: ${why}`);
    // What was acknowledged is already in the log, so a close that hangs must not keep the process.
    setTimeout(() => {
      log('the store did not close within 10 s; exiting anyway');
      process.exit(0);
    }, 10_000).unref();
    listener.close();
    for (const socket of sockets) socket.destroy();
    try {
      await host.dispose();
    } catch (error: unknown) {
      log(`closing the store failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      lock.release();
      log('stopped');
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(socketPath, resolve);
  });
  if (process.platform !== 'win32') chmodSync(socketPath, 0o600);
  // Started by a window that may close before any other connects: idle from the start.
  idleTimer = setTimeout(() => void stop('no window connected'), idleMs);
  log(`serving ${dir} on ${socketPath}`);
}

main(storeDirectory).catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});

import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { RpcConnection, rpcStubs } from '../rpc/rpcConnection';
import { socketChannel } from '../rpc/socketChannel';
import { traceServiceErrors } from '../traceService/traceServiceProtocol';
import { localServiceOps, localServiceProtocolVersion, type LocalServiceApi, type LocalServiceEvent } from './localServiceApi';
import { serviceSocketPath } from './serviceEndpoint';
import { Emitter } from '../emitter';

/** How a window starts the service when none answers. */
export interface LocalServiceLaunch {
  /** The bundled service entry (dist/traceService.js). */
  readonly script: string;
  /** VS Code's own runtime (Electron run as Node), so nothing else need be installed. */
  readonly execPath: string;
  /** Minutes the service keeps running after the last window has gone. */
  readonly idleMinutes: number;
  /** `spanlens.receiver.maxStorageMB`. */
  readonly maxStorageMB?: number;
  /** Which workspace this window shows: windows of one workspace share its annotations. */
  readonly workspaceKey: string;
  /** The store the service owns: one service per store folder. */
  readonly storeDirectory: string;
  /** `spanlens.receiver.maxSpans`, taken by the service that starts. */
  readonly maxSpans: number;
}

const connectTimeoutMs = 15_000;

/**
 * A window's one connection to the per-machine service. The first `api()` connects, starting
 * the service when none answers; when the connection is lost, it connects again the same way
 * and tells `onConnected` listeners, which set their state up again. There is no other way back.
 */
export class LocalServiceConnection {
  private connection: RpcConnection<LocalServiceEvent> | undefined;
  private connecting: Promise<LocalServiceApi> | undefined;
  private disposed = false;
  private readonly events = new Emitter<LocalServiceEvent>();
  private readonly connectedListeners = new Set<(api: LocalServiceApi, again: boolean) => Promise<void>>();
  private readonly losses = new Emitter<string>();
  private connections = 0;

  constructor(readonly launch: LocalServiceLaunch) {}

  readonly onEvent = this.events.event;

  /** Runs on every new connection before any request of its callers (`again` after a loss). */
  onConnected(listener: (api: LocalServiceApi, again: boolean) => Promise<void>): void {
    this.connectedListeners.add(listener);
  }

  readonly onLost = this.losses.event;

  api(): Promise<LocalServiceApi> {
    if (this.disposed) return Promise.reject(new Error('the trace service connection was closed'));
    const connection = this.connection;
    if (connection !== undefined && !connection.isClosed) return Promise.resolve(stubsOf(connection));
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  dispose(): void {
    this.disposed = true;
    // The service keeps running for other windows and for the next reload.
    this.connection?.close('the window closed');
    this.connection = undefined;
  }

  private async connect(): Promise<LocalServiceApi> {
    const store = this.launch;
    const path = serviceSocketPath(store.storeDirectory);
    let socket = await tryConnect(path);
    if (socket === undefined) {
      this.spawnService(store);
      const deadline = Date.now() + connectTimeoutMs;
      while (socket === undefined && Date.now() < deadline) {
        await sleep(50);
        socket = await tryConnect(path);
      }
      if (socket === undefined) throw new Error(`the SpanLens trace service did not start within ${connectTimeoutMs / 1000} s; see service.log in ${store.storeDirectory}`);
    }
    const connection = new RpcConnection<LocalServiceEvent>(socketChannel(socket), traceServiceErrors);
    const api = stubsOf(connection);
    const hello = await api.hello({ protocolVersion: localServiceProtocolVersion, pid: process.pid });
    if (hello.protocolVersion !== localServiceProtocolVersion) {
      // An older (or newer) build's service: ask it to go, then start ours.
      await api.shutdown().catch(() => undefined);
      connection.close('replaced by a service of this build');
      await sleep(200);
      return this.connect();
    }
    connection.onEvent((event) => this.events.fire(event));
    connection.onClose((reason) => this.lost(connection, reason));
    const again = this.connections++ > 0;
    for (const listener of this.connectedListeners) await listener(api, again);
    this.connection = connection;
    return api;
  }

  private lost(connection: RpcConnection<LocalServiceEvent>, reason: string): void {
    if (this.connection !== connection) return;
    this.connection = undefined;
    if (this.disposed) return;
    this.losses.fire(reason);
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    for (let attempt = 0; attempt < 20 && !this.disposed && this.connection === undefined; attempt++) {
      try {
        await this.api();
        return;
      } catch {
        await sleep(250 * Math.min(attempt + 1, 8));
      }
    }
  }

  private spawnService(store: LocalServiceLaunch): void {
    const args = [this.launch.script, '--store', store.storeDirectory, '--max-spans', String(store.maxSpans), '--idle-minutes', String(this.launch.idleMinutes)];
    if (this.launch.maxStorageMB !== undefined) args.push('--max-storage-mb', String(this.launch.maxStorageMB));
    const child = spawn(this.launch.execPath, args, {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      windowsHide: true,
    });
    child.on('error', () => undefined);
    // The service outlives this window: it must not be its child in any way that matters.
    child.unref();
  }
}

function stubsOf(connection: RpcConnection<LocalServiceEvent>): LocalServiceApi {
  return rpcStubs<LocalServiceApi>(localServiceOps, (op, args, signal) => connection.call(op, args, signal));
}

function tryConnect(path: string): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => resolve(socket));
    socket.once('error', () => {
      socket.destroy();
      resolve(undefined);
    });
  });
}

import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildTrace } from '../model/buildTrace';
import type { Trace } from '../model/trace';
import { RpcConnection, rpcStubs } from '../rpc/rpcConnection';
import { socketChannel } from '../rpc/socketChannel';
import type { LocalTraces, LocalTracesListener } from '../traceService/localTraces';
import { traceServiceErrors, type ReceiverSettings, type ReceiverStatus, type TraceSummary } from '../traceService/traceServiceProtocol';
import { localServiceOps, localServiceProtocolVersion, type LocalServiceApi, type LocalServiceEvent } from './localServiceApi';
import { serviceSocketPath } from './serviceEndpoint';

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
}

const heldTraces = 32;
const replayPageSpans = 5_000;
const connectTimeoutMs = 15_000;

/**
 * A window's side of the per-machine trace service: connects (starting the service when none
 * answers), forwards its events, replays the stored spans once for the annotations, keeps the
 * traces this window looks at, and reconnects, starting the service again, when it goes away.
 */
export class LocalServiceSource implements LocalTraces {
  private connection: RpcConnection<LocalServiceEvent> | undefined;
  private connecting: Promise<LocalServiceApi> | undefined;
  private settings: ReceiverSettings | undefined;
  /** The receiver ran when the connection was lost: a restarted service starts it again. */
  private receiverWanted = false;
  private disposed = false;
  private readonly held = new Map<string, { spanCount: number; trace: Trace }>();

  constructor(
    private readonly listener: LocalTracesListener,
    private readonly launch: LocalServiceLaunch,
  ) {}

  async open(settings: ReceiverSettings): Promise<ReceiverStatus> {
    this.settings = settings;
    return (await this.api()).status();
  }

  async start(settings: ReceiverSettings): Promise<ReceiverStatus> {
    this.settings = settings;
    const status = await (await this.api()).startReceiver(settings);
    this.receiverWanted = status.running;
    return status;
  }

  async stop(): Promise<ReceiverStatus> {
    this.receiverWanted = false;
    return (await this.api()).stopReceiver();
  }

  async clear(): Promise<void> {
    this.held.clear();
    await (await this.api()).clear();
  }

  async list(): Promise<TraceSummary[]> {
    if (this.settings === undefined) return [];
    return [...(await (await this.api()).listTraces(200))];
  }

  async find(traceId: string): Promise<TraceSummary | undefined> {
    if (this.settings === undefined) return undefined;
    return (await this.api()).traceSummary(traceId);
  }

  trace(traceId: string): Trace | undefined {
    return this.held.get(traceId)?.trace;
  }

  async load(traceId: string): Promise<Trace | undefined> {
    if (this.settings === undefined) return undefined;
    const held = this.held.get(traceId);
    const answer = await (await this.api()).getTrace(traceId, held?.spanCount ?? -1);
    if (answer.state === 'missing') {
      this.held.delete(traceId);
      return undefined;
    }
    if (answer.state === 'unchanged' && held !== undefined) {
      this.held.delete(traceId);
      this.held.set(traceId, held);
      return held.trace;
    }
    if (answer.state !== 'spans') return undefined;
    const trace = buildTrace(traceId, [...answer.spans]);
    this.held.delete(traceId);
    this.held.set(traceId, { spanCount: answer.spans.length, trace });
    // The least recently looked-at trace goes first.
    while (this.held.size > heldTraces) this.held.delete(this.held.keys().next().value ?? '');
    return trace;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    // The service keeps running for other windows and for the next reload.
    this.connection?.close('the window closed');
    this.connection = undefined;
    await Promise.resolve();
  }

  private api(): Promise<LocalServiceApi> {
    if (this.disposed) return Promise.reject(new Error('the trace service connection was closed'));
    const connection = this.connection;
    if (connection !== undefined && !connection.isClosed) return Promise.resolve(this.stubsOf(connection));
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private stubsOf(connection: RpcConnection<LocalServiceEvent>): LocalServiceApi {
    return rpcStubs<LocalServiceApi>(localServiceOps, (op, args, signal) => connection.call(op, args, signal));
  }

  private async connect(): Promise<LocalServiceApi> {
    const settings = this.settings;
    if (settings === undefined) throw new Error('the local store has not been opened');
    const path = serviceSocketPath(settings.storeDirectory);
    let socket = await tryConnect(path);
    if (socket === undefined) {
      this.spawnService(settings);
      const deadline = Date.now() + connectTimeoutMs;
      while (socket === undefined && Date.now() < deadline) {
        await sleep(50);
        socket = await tryConnect(path);
      }
      if (socket === undefined) throw new Error(`the SpanLens trace service did not start within ${connectTimeoutMs / 1000} s; see service.log in ${settings.storeDirectory}`);
    }
    const connection = new RpcConnection<LocalServiceEvent>(socketChannel(socket), traceServiceErrors);
    // Kept open while the window lives, but never what holds a shutting-down process alive.
    connection.keepAlive = false;
    const api = this.stubsOf(connection);
    const hello = await api.hello({ protocolVersion: localServiceProtocolVersion, pid: process.pid });
    if (hello.protocolVersion !== localServiceProtocolVersion) {
      // An older (or newer) build's service: ask it to go, then start ours.
      await api.shutdown().catch(() => undefined);
      connection.close('replaced by a service of this build');
      await sleep(200);
      return this.connect();
    }
    connection.onEvent((event) => this.receive(event));
    connection.onClose((reason) => this.lost(connection, reason));
    this.connection = connection;
    if (this.receiverWanted) {
      const status = await api.startReceiver(settings).catch(() => undefined);
      if (status !== undefined) this.listener.emit({ type: 'receiver', status });
    }
    void this.replay(connection, api);
    return api;
  }

  private receive(event: LocalServiceEvent): void {
    if (event.type === 'stored') {
      this.listener.stored(event.spans);
      return;
    }
    const source = event.event;
    if (source.type === 'traces') {
      if (source.cleared) this.held.clear();
      for (const id of source.evictedTraceIds) this.held.delete(id);
    } else {
      this.receiverWanted = source.status.running;
    }
    this.listener.emit(source);
  }

  /** The stored spans, a page at a time, so this window's annotations count what the store holds. */
  private async replay(connection: RpcConnection<LocalServiceEvent>, api: LocalServiceApi): Promise<void> {
    let cursor: number | undefined = 0;
    try {
      while (cursor !== undefined && !connection.isClosed) {
        const page = await api.storedSpans(cursor, replayPageSpans);
        if (page.spans.length > 0) this.listener.stored(page.spans);
        cursor = page.next;
      }
    } catch {
      // The connection went away mid-replay; the next connection replays again (duplicates are ignored).
    }
  }

  private lost(connection: RpcConnection<LocalServiceEvent>, reason: string): void {
    if (this.connection !== connection) return;
    this.connection = undefined;
    if (this.disposed) return;
    const status: ReceiverStatus = { running: false, httpEndpoint: undefined, httpPort: undefined, grpcPort: undefined, grpcEndpoint: undefined, spanCount: 0, traceCount: 0, acceptedSpans: 0, rejectedSpans: 0, warnings: [`the SpanLens trace service went away (${reason}); starting it again`] };
    this.listener.emit({ type: 'receiver', status });
    void this.reconnect();
  }

  /** One way back after any loss: connect again, which starts the service when none answers. */
  private async reconnect(): Promise<void> {
    for (let attempt = 0; attempt < 10 && !this.disposed && this.connection === undefined; attempt++) {
      try {
        const api = await this.api();
        const status = await api.status();
        this.listener.emit({ type: 'receiver', status });
        const traces = await api.listTraces(200);
        this.listener.emit({ type: 'traces', traces: [...traces], status, cleared: false, evictedTraceIds: [] });
        return;
      } catch {
        await sleep(250 * (attempt + 1));
      }
    }
  }

  private spawnService(settings: ReceiverSettings): void {
    const args = [this.launch.script, '--store', settings.storeDirectory, '--max-spans', String(settings.maxSpans), '--idle-minutes', String(this.launch.idleMinutes)];
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

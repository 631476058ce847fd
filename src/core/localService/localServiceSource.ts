import { buildTrace } from '../model/buildTrace';
import type { Trace } from '../model/trace';
import type { LocalTraces, LocalTracesListener } from '../traceService/localTraces';
import { stoppedReceiver, type ReceiverSettings, type ReceiverStatus, type TraceSummary } from '../traceService/traceServiceProtocol';
import type { LocalServiceApi } from './localServiceApi';
import type { LocalServiceConnection } from './localServiceConnection';

const heldTraces = 32;
const listedTraces = 200;

/**
 * The local receiver and store as a window sees them in the per-machine service: requests go
 * there, its events come back, and the traces this window looks at are kept here. The service
 * feeds the annotations itself (see ServiceAnnotations), so nothing is replayed into the window.
 */
export class LocalServiceSource implements LocalTraces {
  /** The receiver ran when the connection was lost: a restarted service starts it again. */
  private receiverWanted = false;
  /** The window's last receiver settings (host, ports), to start the receiver again on a new service. */
  private settings: ReceiverSettings | undefined;
  private readonly held = new Map<string, { spanCount: number; trace: Trace }>();

  constructor(
    private readonly listener: LocalTracesListener,
    private readonly connection: LocalServiceConnection,
  ) {
    connection.onEvent((event) => {
      if (event.type !== 'source') return;
      const source = event.event;
      if (source.type === 'traces') {
        if (source.cleared) this.held.clear();
        for (const id of source.evictedTraceIds) this.held.delete(id);
      } else {
        this.receiverWanted = source.status.running;
      }
      listener.emit(source);
    });
    connection.onLost((reason) => {
      listener.emit({ type: 'receiver', status: stoppedReceiver(`the SpanLens trace service went away (${reason}); starting it again`) });
    });
    connection.onConnected((api, again) => (again ? this.restore(api) : Promise.resolve()));
  }

  async open(settings: ReceiverSettings): Promise<ReceiverStatus> {
    this.settings = settings;
    return (await this.connection.api()).status();
  }

  async start(settings: ReceiverSettings): Promise<ReceiverStatus> {
    this.settings = settings;
    const status = await (await this.connection.api()).startReceiver(settings);
    this.receiverWanted = status.running;
    return status;
  }

  async stop(): Promise<ReceiverStatus> {
    this.receiverWanted = false;
    return (await this.connection.api()).stopReceiver();
  }

  async clear(): Promise<void> {
    this.held.clear();
    await (await this.connection.api()).clear();
  }

  async list(): Promise<TraceSummary[]> {
    return [...(await (await this.connection.api()).listTraces(listedTraces))];
  }

  async find(traceId: string): Promise<TraceSummary | undefined> {
    return (await this.connection.api()).traceSummary(traceId);
  }

  trace(traceId: string): Trace | undefined {
    return this.held.get(traceId)?.trace;
  }

  async load(traceId: string): Promise<Trace | undefined> {
    const held = this.held.get(traceId);
    const answer = await (await this.connection.api()).getTrace(traceId, held?.spanCount ?? -1);
    this.held.delete(traceId);
    if (answer.state === 'missing') return undefined;
    if (answer.state === 'unchanged') {
      if (held !== undefined) this.held.set(traceId, held);
      return held?.trace;
    }
    const trace = buildTrace(traceId, [...answer.spans]);
    this.held.set(traceId, { spanCount: answer.spans.length, trace });
    // The least recently looked-at trace goes first.
    while (this.held.size > heldTraces) this.held.delete(this.held.keys().next().value ?? '');
    return trace;
  }

  dispose(): Promise<void> {
    this.connection.dispose();
    return Promise.resolve();
  }

  /** A restarted service: the receiver runs again if it ran, and the window is told what is there. */
  private async restore(api: LocalServiceApi): Promise<void> {
    let status = await api.status();
    if (this.receiverWanted && !status.running && this.settings !== undefined) status = await api.startReceiver(this.settings).catch(() => status);
    this.listener.emit({ type: 'receiver', status });
    const traces = await api.listTraces(listedTraces);
    this.listener.emit({ type: 'traces', traces: [...traces], status, cleared: false, evictedTraceIds: [] });
  }
}

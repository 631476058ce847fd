import { Worker } from 'node:worker_threads';
import { workerChannel } from '../rpc/rpcChannel';
import { RpcConnection, rpcStubs } from '../rpc/rpcConnection';
import type { TraceWorkerData } from './traceServiceWorker';
import type { AnnotationSettings, AnnotationsChangedEvent } from './annotationService';
import {
  traceQueryOps,
  stoppedReceiver,
  traceServiceErrors,
  type LocalSourceEvent,
  type RemoteSourcesSettings,
  type RemoteTraceEvent,
  type TraceQueries,
  type TraceServiceEvent,
} from './traceServiceProtocol';

type Listener<T> = (event: T) => void;

/** The extension host's handle on the trace service worker: its queries, events and shutdown. */
export type TraceServiceClient = TraceQueries & {
  onLocalEvent(listener: Listener<LocalSourceEvent>): { dispose(): void };
  onAnnotationsChanged(listener: Listener<AnnotationsChangedEvent>): { dispose(): void };
  /** Partial remote traces while they stream in; see RemoteTraceEvent. */
  onRemoteTraceEvent(listener: Listener<RemoteTraceEvent>): { dispose(): void };
  dispose(): Promise<void>;
};

/**
 * The worker starts on first use, not at activation; if it dies, pending calls fail with a
 * message and the next call starts a new one, told the sources and annotation settings first.
 */
export function createTraceServiceClient(workerScript: string, workerData: TraceWorkerData = {}): TraceServiceClient {
  let worker: Worker | undefined;
  let connection: RpcConnection<TraceServiceEvent> | undefined;
  const local = new Set<Listener<LocalSourceEvent>>();
  const annotations = new Set<Listener<AnnotationsChangedEvent>>();
  const remote = new Set<Listener<RemoteTraceEvent>>();
  // Kept so that a worker started after a crash knows them too.
  let sourcesSettings: RemoteSourcesSettings | undefined;
  let annotationSettings: AnnotationSettings | undefined;

  const ownsReceiver = workerData.localService === undefined;
  const connect = (): RpcConnection<TraceServiceEvent> => {
    if (connection !== undefined && !connection.isClosed) return connection;
    const started = new Worker(workerScript, { workerData });
    const opened = new RpcConnection<TraceServiceEvent>(workerChannel(started, 'the trace service'), traceServiceErrors);
    opened.onEvent((message) => {
      switch (message.type) {
        case 'local':
          // A receiver inside the worker vanishes with it, so the worker must stay alive while it
          // runs; one in the per-machine service does not depend on this worker.
          opened.keepAlive = ownsReceiver && message.event.status.running;
          if (opened.keepAlive) started.ref();
          for (const listener of local) listener(message.event);
          return;
        case 'annotations':
          for (const listener of annotations) listener(message.annotations);
          return;
        case 'remoteTrace':
          for (const listener of remote) listener(message.remoteTrace);
          return;
      }
    });
    opened.onClose((reason) => {
      if (worker === started) worker = undefined;
      if (!opened.keepAlive) return;
      // The receiver lived in that worker: say it stopped rather than leave a dead endpoint shown.
      for (const listener of local) listener({ type: 'receiver', status: stoppedReceiver(reason) });
    });
    worker = started;
    connection = opened;
    // A replacement worker starts empty: it gets the settings first, ahead of any request.
    if (sourcesSettings) void opened.call('configureSources', [sourcesSettings]).catch(() => undefined);
    if (annotationSettings) void opened.call('configureAnnotations', [annotationSettings]).catch(() => undefined);
    return opened;
  };
  const call = (op: string, args: readonly unknown[], signal: AbortSignal | undefined): Promise<unknown> => connect().call(op, args, signal);
  const stubs = rpcStubs<TraceQueries>(traceQueryOps, call);
  const subscribe = <T>(set: Set<Listener<T>>, listener: Listener<T>): { dispose(): void } => {
    set.add(listener);
    return { dispose: () => set.delete(listener) };
  };
  return {
    ...stubs,
    configureSources: (settings) => {
      sourcesSettings = settings;
      return stubs.configureSources(settings);
    },
    configureAnnotations: (settings) => {
      annotationSettings = settings;
      return stubs.configureAnnotations(settings);
    },
    onLocalEvent: (listener) => subscribe(local, listener),
    onAnnotationsChanged: (listener) => subscribe(annotations, listener),
    onRemoteTraceEvent: (listener) => subscribe(remote, listener),
    dispose: async () => {
      const stopping = worker;
      worker = undefined;
      connection?.close('the trace service was shut down');
      connection = undefined;
      await stopping?.terminate();
    },
  };
}

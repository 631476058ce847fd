import { parentPort, workerData } from 'node:worker_threads';
import type { LoadOptions } from '../files/loadTraceFile';
import { TraceService } from './traceService';
import type { FileIndexUpdate, FrameLocation, MappingConfiguration } from './mappingService';
import { ReceiverStartError } from '../receiver/receiverStartError';
import type { ReceiverSettings, TraceServiceEventMessage, TraceServiceRequestMessage, TraceServiceResponseMessage } from './traceServiceProtocol';
import type { RemoteSourcesSettings, TraceSearchQuery, TraceServiceCancelMessage } from './traceServiceProtocol';
import { BackendError } from '../backends/backendError';
import type { RemoteFunctionSpansRequest } from './functionSpansService';
import type { AnnotationSettings, FunctionTarget } from './annotationService';
import type { AnnotationsEventMessage, RemoteTraceEventMessage } from './traceServiceProtocol';
import { transferablesOf } from '../traceView/encodeTraceView';
import type { TraceViewData } from '../traceView/traceViewData';

/**
 * Worker-thread entry (bundled as dist/traceWorker.js): parsing and indexing run here so that
 * the extension host's event loop never waits on a large file.
 */
const port = parentPort;
if (port) {
  const service = new TraceService((workerData ?? {}) as LoadOptions);
  service.onLocalEvent((event) => port.postMessage({ id: 0, event } satisfies TraceServiceEventMessage));
  service.onAnnotationsChanged((annotations) => port.postMessage({ id: 0, annotations } satisfies AnnotationsEventMessage));
  // Posted before openRemoteTrace's answer on the same port, so the host sees them in order.
  service.onRemoteTraceEvent((remoteTrace) => port.postMessage({ id: 0, remoteTrace } satisfies RemoteTraceEventMessage));
  // Requests that can be cancelled, by id, until they answer.
  const inFlight = new Map<number, AbortController>();
  port.on('message', (message: TraceServiceRequestMessage | TraceServiceCancelMessage) => {
    if ('cancel' in message) {
      inFlight.get(message.cancel)?.abort();
      return;
    }
    const request = message;
    const controller = new AbortController();
    inFlight.set(request.id, controller);
    dispatch(service, request, controller.signal)
      .finally(() => inFlight.delete(request.id))
      .then((value) => {
        // A trace view encoding is moved, not copied: at 1M spans its buffers are ~40 MB.
        const transfer = request.op === 'traceView' ? transferablesOf(value as TraceViewData) : [];
        port.postMessage({ id: request.id, ok: true, value } satisfies TraceServiceResponseMessage, transfer);
      })
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        const response: TraceServiceResponseMessage =
          error instanceof ReceiverStartError
            ? { id: request.id, ok: false, message, failure: error.failure }
            : error instanceof BackendError
              ? { id: request.id, ok: false, message, backendFailure: { sourceName: error.sourceName, failure: error.failure } }
              : { id: request.id, ok: false, message };
        port.postMessage(response);
      });
  });
}

/** Arguments arrive untyped across the thread boundary; the client sent them per TraceQueries. */
function dispatch(service: TraceService, request: TraceServiceRequestMessage, signal: AbortSignal): Promise<unknown> {
  const args = request.args;
  switch (request.op) {
    case 'openFiles':
      return service.openFiles(args[0] as readonly string[]);
    case 'listTraces':
      return service.listTraces();
    case 'children':
      return service.children(args[0] as string, args[1] as number, args[2] as number, args[3] as number);
    case 'findSpan':
      return service.findSpan(args[0] as string, args[1] as string);
    case 'removeTraces':
      return service.removeTraces(args[0] as readonly string[]);
    case 'openLocal':
      return service.openLocal(args[0] as ReceiverSettings);
    case 'startReceiver':
      return service.startReceiver(args[0] as ReceiverSettings);
    case 'stopReceiver':
      return service.stopReceiver();
    case 'clearLocal':
      return service.clearLocal();
    case 'localTraces':
      return service.localTraces();
    case 'configureMapping':
      return service.configureMapping(args[0] as MappingConfiguration);
    case 'updateFileIndex':
      return service.updateFileIndex(args[0] as FileIndexUpdate);
    case 'mapSpan':
      return service.mapSpan(args[0] as string, args[1] as string);
    case 'mapFrame':
      return service.mapFrame(args[0] as string, args[1] as string, args[2] as FrameLocation);
    case 'configureSources':
      return service.configureSources(args[0] as RemoteSourcesSettings);
    case 'remoteServices':
      return service.remoteServices(args[0] as string, signal);
    case 'remoteOperations':
      return service.remoteOperations(args[0] as string, args[1] as string, signal);
    case 'searchRemote':
      return service.searchRemote(args[0] as string, args[1] as TraceSearchQuery, signal);
    case 'openRemoteTrace':
      return service.openRemoteTrace(args[0] as string, args[1] as string, signal);
    case 'remoteFunctionSpans':
      return service.remoteFunctionSpans(args[0] as string, args[1] as RemoteFunctionSpansRequest, signal);
    case 'remoteTagNames':
      return service.remoteTagNames(args[0] as string, signal);
    case 'remoteTagValues':
      return service.remoteTagValues(args[0] as string, args[1] as string, signal);
    case 'configureAnnotations':
      return service.configureAnnotations(args[0] as AnnotationSettings);
    case 'statsForDocument':
      return service.statsForDocument(args[0] as string);
    case 'spansForFunction':
      return service.spansForFunction(args[0] as string, args[1] as FunctionTarget);
    case 'hoverForFunction':
      return service.hoverForFunction(args[0] as string, args[1] as FunctionTarget);
    case 'exceptionsForDocument':
      return service.exceptionsForDocument(args[0] as string);
    case 'traceView':
      return service.traceView(args[0] as string);
    case 'spanDetails':
      return service.spanDetails(args[0] as string, args[1] as number);
    case 'attributeMatches':
      return service.attributeMatches(args[0] as string, args[1] as string, args[2] as string);
    case 'compareTraces':
      return service.compareTraces(args[0] as string, args[1] as string);
    case 'exportTrace':
      return service.exportTrace(args[0] as string, args[1] as string);
  }
}

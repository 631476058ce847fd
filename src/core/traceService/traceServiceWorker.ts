import { parentPort, workerData } from 'node:worker_threads';
import type { LoadOptions } from '../files/loadTraceFile';
import { TraceService } from './traceService';
import { ReceiverStartError } from '../receiver/receiverStartError';
import type { ReceiverSettings, TraceServiceEventMessage, TraceServiceRequestMessage, TraceServiceResponseMessage } from './traceServiceProtocol';

/**
 * Worker-thread entry (bundled as dist/traceWorker.js): parsing and indexing run here so that
 * the extension host's event loop never waits on a large file.
 */
const port = parentPort;
if (port) {
  const service = new TraceService((workerData ?? {}) as LoadOptions);
  service.onLocalEvent((event) => port.postMessage({ id: 0, event } satisfies TraceServiceEventMessage));
  port.on('message', (request: TraceServiceRequestMessage) => {
    dispatch(service, request)
      .then((value) => {
        port.postMessage({ id: request.id, ok: true, value } satisfies TraceServiceResponseMessage);
      })
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        const response: TraceServiceResponseMessage =
          error instanceof ReceiverStartError ? { id: request.id, ok: false, message, failure: error.failure } : { id: request.id, ok: false, message };
        port.postMessage(response);
      });
  });
}

/** Arguments arrive untyped across the thread boundary; the client sent them per TraceQueries. */
function dispatch(service: TraceService, request: TraceServiceRequestMessage): Promise<unknown> {
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
  }
}

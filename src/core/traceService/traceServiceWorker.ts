import { parentPort, workerData } from 'node:worker_threads';
import type { LoadOptions } from '../files/loadTraceFile';
import { TraceService } from './traceService';
import type { TraceServiceRequestMessage, TraceServiceResponseMessage } from './traceServiceProtocol';

/**
 * Worker-thread entry (bundled as dist/traceWorker.js): parsing and indexing run here so that
 * the extension host's event loop never waits on a large file.
 */
const port = parentPort;
if (port) {
  const service = new TraceService((workerData ?? {}) as LoadOptions);
  port.on('message', (request: TraceServiceRequestMessage) => {
    dispatch(service, request)
      .then((value) => {
        port.postMessage({ id: request.id, ok: true, value } satisfies TraceServiceResponseMessage);
      })
      .catch((error: unknown) => {
        port.postMessage({ id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) } satisfies TraceServiceResponseMessage);
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
  }
}

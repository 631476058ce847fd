import { parentPort, workerData } from 'node:worker_threads';
import type { LoadOptions } from '../files/loadTraceFile';
import { inLocalService } from '../localService/inLocalService';
import type { LocalServiceLaunch } from '../localService/localServiceConnection';
import { portChannel } from '../rpc/rpcChannel';
import type { RpcMessage } from '../rpc/rpcMessage';
import { serveRpc } from '../rpc/serveRpc';
import { transferablesOf } from '../traceView/encodeTraceView';
import type { TraceViewData } from '../../shared/traceViewData';
import { TraceService } from './traceService';
import { traceQueryOps, traceServiceErrors, type TraceQueries, type TraceServiceEvent } from './traceServiceProtocol';

/**
 * Worker-thread entry (bundled as dist/traceWorker.js): parsing and indexing run here so that
 * the extension host's event loop never waits on a large file.
 */
export type TraceWorkerData = LoadOptions & {
  /** Set in the product: the local receiver and store are the per-machine service's, not this worker's. */
  readonly localService?: LocalServiceLaunch;
};

const port = parentPort;
if (port) {
  const data = (workerData ?? {}) as TraceWorkerData;
  const launch = data.localService;
  const service = new TraceService(data, {}, launch === undefined ? undefined : inLocalService(launch));
  const server = serveRpc<TraceQueries, TraceServiceEvent>(portChannel<RpcMessage<TraceServiceEvent>>(port), service, traceQueryOps, {
    errors: traceServiceErrors,
    // A trace view encoding is moved, not copied: at 1M spans its buffers are ~40 MB.
    transferOf: (op, value) => (op === 'traceView' ? transferablesOf(value as TraceViewData) : []),
  });
  service.onLocalEvent((event) => server.emit({ type: 'local', event }));
  service.onAnnotationsChanged((annotations) => server.emit({ type: 'annotations', annotations }));
  service.onRemoteTraceEvent((remoteTrace) => server.emit({ type: 'remoteTrace', remoteTrace }));
}

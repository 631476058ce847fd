import { open } from 'node:fs/promises';
import { encodeOtlpJsonChunks } from '../formats/encodeOtlpJson';
import type { Trace } from '../model/trace';
import { attributeMatches } from '../traceView/attributeMatches';
import type { CompareResult } from '../../shared/compareResult';
import { compareTraces } from '../traceView/compareTraces';
import { encodeTraceView } from '../traceView/encodeTraceView';
import type { SpanDetails } from '../../shared/spanDetails';
import { spanDetailsOf } from '../traceView/spanDetailsOf';
import type { TraceViewData } from '../../shared/traceViewData';

/** Bytes gathered before each write while exporting: few syscalls, bounded memory. */
const writeBatchBytes = 1 << 20;

/**
 * The trace view half of the trace service: the encodings, details and comparisons the
 * panel asks for are computed here, in the worker, where the spans are; the extension host only
 * relays the results (the encoding's buffers are transferred, not copied).
 */
export class TraceViewService {
  constructor(private readonly lookup: (traceId: string) => Trace | undefined) {}

  traceView(traceId: string): Promise<TraceViewData> {
    return settle(() => encodeTraceView(this.require(traceId)));
  }

  spanDetails(traceId: string, row: number): Promise<SpanDetails | undefined> {
    return settle(() => spanDetailsOf(this.require(traceId), row));
  }

  attributeMatches(traceId: string, key: string, value: string): Promise<Uint32Array> {
    return settle(() => attributeMatches(this.require(traceId), key, value));
  }

  compareTraces(baselineTraceId: string, traceId: string): Promise<CompareResult> {
    return settle(() => compareTraces(this.require(baselineTraceId), this.require(traceId)));
  }

  /** Writes the trace's spans as OTLP JSON to `path` (replacing it) and resolves to the path. */
  async exportTrace(traceId: string, path: string): Promise<string> {
    const trace = this.require(traceId);
    const file = await open(path, 'w');
    try {
      let pending: string[] = [];
      let size = 0;
      for (const chunk of encodeOtlpJsonChunks(trace.spans)) {
        pending.push(chunk);
        size += chunk.length;
        if (size < writeBatchBytes) continue;
        await file.write(pending.join(''));
        pending = [];
        size = 0;
      }
      if (pending.length > 0) await file.write(pending.join(''));
    } finally {
      await file.close();
    }
    return path;
  }

  private require(traceId: string): Trace {
    const trace = this.lookup(traceId);
    if (!trace) throw new Error(`Trace ${traceId} is not loaded (it may have been evicted from the local store, or its file closed). Open it again, then retry.`);
    return trace;
  }
}

function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error: unknown) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

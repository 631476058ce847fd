import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/**
 * An encoded export request whose trace ids can be renewed for every send. A long paced run that
 * re-sent the same few batches would keep growing the same few hundred traces, which is not what
 * an application does and never exercises eviction of whole traces the way real traffic does.
 * Renewing rewrites the first four bytes of every trace id in place (protobuf: the raw bytes;
 * JSON: the first eight hex digits), so the body keeps its length and stays valid.
 */
export class RenewableBatch {
  private readonly offsets: number[] = [];

  constructor(
    readonly bytes: Uint8Array,
    spans: readonly ReadableSpan[],
    private readonly encoding: 'protobuf' | 'json',
  ) {
    const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const ids = new Set(spans.map((s) => s.spanContext().traceId));
    for (const id of ids) {
      const needle = encoding === 'protobuf' ? Buffer.from(id, 'hex') : Buffer.from(id, 'latin1');
      for (let at = body.indexOf(needle); at >= 0; at = body.indexOf(needle, at + needle.length)) this.offsets.push(at);
    }
    if (this.offsets.length < ids.size) throw new Error('a trace id was not found in the encoded batch');
  }

  /** The batch with every trace id changed by `generation` (0 gives the original bytes). */
  renewed(generation: number): Uint8Array {
    if (generation === 0) return this.bytes;
    const out = Buffer.from(this.bytes);
    for (const at of this.offsets) {
      if (this.encoding === 'protobuf') {
        out.writeUInt32LE((out.readUInt32LE(at) ^ generation) >>> 0, at);
      } else {
        const head = (Number.parseInt(out.toString('latin1', at, at + 8), 16) ^ generation) >>> 0;
        out.write(head.toString(16).padStart(8, '0'), at, 'latin1');
      }
    }
    return out;
  }
}

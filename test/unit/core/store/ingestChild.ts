import { LocalTraceStore } from '../../../../src/core/store/localTraceStore';
import { decodeTracePayload } from '../../../../src/core/store/tracePayload';

/**
 * For the random-kill test: opens a store in the directory given and ingests batches, four in
 * flight at a time, until it has sent `batches` of them or is killed. Each batch is reported to
 * the parent over IPC once the store has acknowledged it, as `traceId/spanId` strings. Most
 * batches arrive as OTLP JSON and are logged as received; every fourth carries a 64 KiB value,
 * so it is cut and logged as the spans kept; every fortieth starts a compaction, so kills land
 * in snapshots too.
 */

export interface IngestChildMessage {
  readonly type: 'open' | 'acknowledged';
  readonly ids?: readonly string[];
}

const spansPerBatch = 20;

function hex(value: number, digits: number): string {
  return value.toString(16).padStart(digits, '0');
}

function request(run: number, batch: number, withLargeValue: boolean): { bytes: Uint8Array; ids: string[] } {
  const traceId = `${hex(run + 1, 8)}${hex(batch + 1, 24)}`;
  const ids: string[] = [];
  const spans = Array.from({ length: spansPerBatch }, (_, i) => {
    const spanId = hex(i + 1, 16);
    ids.push(`${traceId}/${spanId}`);
    const attributes = [{ key: 'http.route', value: { stringValue: `/items/${i}` } }];
    if (withLargeValue && i === 0) attributes.push({ key: 'gen_ai.prompt', value: { stringValue: `${run}/${batch} `.padEnd(64 * 1024, 'lorem ipsum ') } });
    return {
      traceId,
      spanId,
      name: `op ${i}`,
      kind: 2,
      startTimeUnixNano: String(1_700_000_000_000_000_000n + BigInt(i)),
      endTimeUnixNano: String(1_700_000_000_000_000_500n + BigInt(i)),
      attributes,
    };
  });
  const body = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'killed' } }] }, scopeSpans: [{ scope: { name: 'test' }, spans }] }] };
  return { bytes: Buffer.from(JSON.stringify(body), 'utf8'), ids };
}

async function main(): Promise<void> {
  const [directory, runText, batchesText] = process.argv.slice(2);
  if (directory === undefined) throw new Error('usage: ingestChild <directory> <run> <batches>');
  const run = Number(runText ?? '0');
  const batches = Number(batchesText ?? '200');
  const store = await LocalTraceStore.open({ directory });
  process.send?.({ type: 'open' } satisfies IngestChildMessage);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < batches) {
      const batch = next++;
      const { bytes, ids } = request(run, batch, batch % 4 === 3);
      const { spans } = decodeTracePayload({ kind: 'otlp-json', bytes });
      await store.ingest({ spans, payload: { kind: 'otlp-json', bytes } });
      process.send?.({ type: 'acknowledged', ids } satisfies IngestChildMessage);
      if (batch % 40 === 39) void store.compact().catch(() => undefined);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

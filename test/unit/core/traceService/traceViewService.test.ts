import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeOtlpJson } from '../../../../src/core/formats/otlpJson';
import { TraceService } from '../../../../src/core/traceService/traceService';

const traceId = '5c000000000000000000000000000001';

function doc(names: readonly string[], durationMs: number): string {
  const start = 1_732_262_400_987_654_321n;
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
        scopeSpans: [
          {
            spans: names.map((name, i) => ({
              traceId,
              spanId: (i + 1).toString(16).padStart(16, '0'),
              ...(i === 0 ? {} : { parentSpanId: '0000000000000001' }),
              name,
              startTimeUnixNano: String(start + BigInt(i)),
              endTimeUnixNano: String(start + BigInt(durationMs) * 1_000_000n + BigInt(i)),
              attributes: [{ key: 'http.route', value: { stringValue: `/${name}` } }],
            })),
          },
        ],
      },
    ],
  });
}

describe('TraceService trace view operations', () => {
  let dir: string;
  let service: TraceService;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'spanlens-tvs-'));
    service = new TraceService();
  });

  afterEach(async () => {
    await service.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('encodes, details and searches a loaded trace', async () => {
    writeFileSync(join(dir, 't.json'), doc(['GET /a', 'db', 'cache'], 5));
    await service.openFiles([join(dir, 't.json')]);
    const view = await service.traceView(traceId);
    assert.equal(view.spanCount, 3);
    assert.deepEqual([...view.names].sort(), ['GET /a', 'cache', 'db']);
    const details = await service.spanDetails(traceId, 0);
    assert.equal(details?.spanId, '0000000000000001');
    assert.deepEqual([...(await service.attributeMatches(traceId, 'http.route', '/db'))].length, 1);
    await assert.rejects(service.traceView('5c0000000000000000000000000000ff'), /is not loaded/);
  });

  it('exports a loaded trace as OTLP JSON that decodes to the same spans', async () => {
    const source = join(dir, 'in.json');
    writeFileSync(source, doc(['GET /a', 'db'], 7));
    await service.openFiles([source]);
    const target = join(dir, 'out.json');
    assert.equal(await service.exportTrace(traceId, target), target);
    const before = decodeOtlpJson(JSON.parse(readFileSync(source, 'utf8'))).spans;
    const after = decodeOtlpJson(JSON.parse(readFileSync(target, 'utf8'))).spans;
    const key = (spans: typeof before): string[] => spans.map((s) => `${s.spanId}|${s.parentSpanId ?? ''}|${s.name}|${s.startNs}|${s.endNs}|${JSON.stringify(s.attributes)}`).sort();
    assert.deepEqual(key(after), key(before));
  });

  it('compares two loaded traces', async () => {
    writeFileSync(join(dir, 'b.json'), doc(['GET /a', 'db', 'gone'], 5).replaceAll(traceId, '5c000000000000000000000000000002'));
    writeFileSync(join(dir, 'c.json'), doc(['GET /a', 'db', 'new'], 50));
    await service.openFiles([join(dir, 'b.json'), join(dir, 'c.json')]);
    const result = await service.compareTraces('5c000000000000000000000000000002', traceId);
    assert.deepEqual([result.matched, result.added, result.removed], [2, 1, 1]);
  });
});

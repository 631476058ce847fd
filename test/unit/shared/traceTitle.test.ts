import * as assert from 'node:assert/strict';
import { clockTime, shortTraceId, traceTabTitle } from '../../../src/shared/traceTitle';

describe('trace tab title', () => {
  const startNs = String(1_732_262_400_000_000_000n + 3_723_000_000_000n); // 2024-11-22 09:02:03 UTC

  it('names the root span, the start time and a short id', () => {
    assert.equal(traceTabTitle({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', rootName: 'GET /checkout', startNs }, 0), 'GET /checkout · 09:02:03 · 4bf92f…4736');
    assert.equal(traceTabTitle({ traceId: 'abc', rootName: 'GET /checkout', startNs }, 90), 'GET /checkout · 10:32:03 · abc');
  });

  it('tells apart two traces of one endpoint whose ids differ only at one end', () => {
    const a = traceTabTitle({ traceId: '7b000000000000000000000000000001', rootName: 'GET /checkout', startNs }, 0);
    const b = traceTabTitle({ traceId: '7b000000000000000000000000000002', rootName: 'GET /checkout', startNs }, 0);
    const c = traceTabTitle({ traceId: '5759e988bd862e3fe1be46a994272793', rootName: 'GET /checkout', startNs }, 0);
    const d = traceTabTitle({ traceId: '5759e988bd862e3fe1be46a994272794', rootName: 'GET /checkout', startNs }, 0);
    assert.notEqual(a, b);
    assert.notEqual(c, d);
  });

  it('stays short: a long root name is cut with an ellipsis, a missing one says Trace', () => {
    const title = traceTabTitle({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', rootName: 'x'.repeat(200), startNs }, 0);
    assert.ok(title.length <= 40 + 3 + 8 + 3 + 11, title);
    assert.match(title, /^x+… · /);
    assert.match(traceTabTitle({ traceId: 'ab', rootName: '  ', startNs: 'garbage' }, 0), /^Trace · ab$/);
  });

  it('formats clock times and short ids', () => {
    assert.equal(clockTime(0, 0), '00:00:00');
    assert.equal(clockTime(0, -60), '23:00:00');
    assert.equal(shortTraceId('0123456789abcdef0123456789abcdef'), '012345…cdef');
    assert.equal(shortTraceId('0123456789ab'), '0123456789ab');
  });
});

import * as assert from 'node:assert/strict';
import { attributeMatches } from '../../../../src/core/traceView/attributeMatches';
import { framesForDisplay, spanDetailsOf } from '../../../../src/core/traceView/spanDetailsOf';
import { hostileText, hostileTrace, syntheticTrace } from './traceViewFixtures';

describe('spanDetailsOf', () => {
  it('gives attributes, resource, exceptions with frames and links as text', () => {
    const trace = hostileTrace();
    const details = spanDetailsOf(trace, 1);
    assert.ok(details);
    assert.equal(details.name, hostileText.script);
    assert.equal(details.status, 'error');
    assert.deepEqual(
      details.attributes.find(([key]) => key === 'url.full'),
      ['url.full', hostileText.js],
    );
    assert.deepEqual(
      details.resource.find(([key]) => key === 'host.name'),
      ['host.name', hostileText.script],
    );
    assert.equal(details.exceptions.length, 1);
    const frames = details.exceptions[0]?.frames ?? [];
    assert.equal(frames[1]?.function, 'handler');
    assert.equal(frames[1].line, 12);
    assert.equal(frames[1].column, 5);
    assert.equal(frames[2]?.file, '/app/src/server.ts');
    assert.equal(details.links[0]?.traceId, hostileText.js);
    assert.equal(details.hasLocation, true);
    assert.equal(spanDetailsOf(trace, 99), undefined);
  });

  it('computes self time of one span without the whole trace', () => {
    const trace = syntheticTrace(23);
    const details = spanDetailsOf(trace, 0);
    assert.equal(details?.selfTimeNs, trace.selfTimeNs(0));
  });
});

describe('framesForDisplay', () => {
  it('reads the frame shapes of common runtimes', () => {
    const frames = framesForDisplay(
      [
        'Error: boom',
        '    at Object.handler (/srv/app/index.js:10:15)',
        '    at /srv/app/lib.js:3:1',
        '  File "/srv/app/main.py", line 42, in handle',
        '\tat com.shop.Cart.pay(Cart.java:77)',
        '   at Shop.Cart.Pay() in /src/Cart.cs:line 19',
        '\t/go/src/shop/cart.go:88 +0x1d',
        "/app/cart.rb:5:in `pay'",
      ].join('\n'),
    );
    assert.equal(frames[0]?.file, undefined);
    assert.deepEqual(
      frames.slice(1).map((f) => [f.file, f.line]),
      [
        ['/srv/app/index.js', 10],
        ['/srv/app/lib.js', 3],
        ['/srv/app/main.py', 42],
        ['Cart.java', 77],
        ['/src/Cart.cs', 19],
        ['/go/src/shop/cart.go', 88],
        ['/app/cart.rb', 5],
      ],
    );
    assert.equal(frames[3]?.function, 'handle');
  });

  it('is bounded on hostile input', () => {
    const started = Date.now();
    const frames = framesForDisplay(`${'at ('.repeat(50_000)}\n`.repeat(500));
    assert.ok(frames.length <= 200);
    assert.ok(Date.now() - started < 2000);
  });
});

describe('attributeMatches', () => {
  it('finds rows by attribute key and value, or by value in any attribute', () => {
    const trace = syntheticTrace(40);
    const rows = attributeMatches(trace, 'db.response.returned_rows', '3');
    assert.ok(rows.length > 0);
    for (const row of rows) assert.match(JSON.stringify(trace.span(row).attributes['db.response.returned_rows']), /3/);
    assert.equal(attributeMatches(trace, '', 'POSTGRES').length, 35);
    assert.equal(attributeMatches(trace, 'host.name', 'payment-1').length > 0, true);
  });
});

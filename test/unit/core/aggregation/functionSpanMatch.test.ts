import * as assert from 'node:assert/strict';
import { matchFunctionSpan, sameFile } from '../../../../src/core/aggregation/functionSpanMatch';
import type { Attributes } from '../../../../src/core/model/attributes';
import { createResource, createSpan, type Span } from '../../../../src/core/model/span';

function span(name: string, attributes: Attributes = {}): Span {
  return createSpan({ traceId: 'a'.repeat(32), spanId: '1'.repeat(16), name, startNs: 1n, endNs: 2n, resource: createResource({ 'service.name': 'shop' }), attributes });
}

describe('matchFunctionSpan', () => {
  const file = 'src/shop/Checkout.java';

  it('new semconv: a fully qualified code.function.name with code.file.path in this file matches by file', () => {
    const match = matchFunctionSpan(span('GET /pay', { 'code.function.name': 'com.acme.shop.Checkout.pay', 'code.file.path': '/app/src/shop/Checkout.java' }), ['pay'], file);
    assert.deepEqual(match, { kind: 'match', function: 'pay', evidence: 'file', spanFunction: 'com.acme.shop.Checkout.pay' });
  });

  it('old semconv: code.function + code.namespace (the Java agent, no file) match by namespace', () => {
    const match = matchFunctionSpan(span('Checkout.pay', { 'code.function': 'pay', 'code.namespace': 'com.acme.shop.Checkout' }), ['pay'], file);
    assert.deepEqual(match, { kind: 'match', function: 'pay', evidence: 'namespace', spanFunction: 'com.acme.shop.Checkout.pay' });
  });

  it('old semconv code.filepath and a bare Java file name count as this file', () => {
    assert.equal(matchFunctionSpan(span('x', { 'code.function': 'pay', 'code.filepath': 'Checkout.java' }), ['pay'], file)?.kind, 'match');
  });

  it('a same-named function in another file or class is "elsewhere", never counted', () => {
    assert.deepEqual(matchFunctionSpan(span('x', { 'code.function.name': 'pay', 'code.file.path': '/app/src/billing/Invoice.java' }), ['pay'], file), { kind: 'elsewhere', function: 'pay' });
    assert.deepEqual(matchFunctionSpan(span('x', { 'code.function': 'pay', 'code.namespace': 'com.acme.billing.Invoice' }), ['pay'], file), { kind: 'elsewhere', function: 'pay' });
  });

  it('a span whose code.* names another function does not match by its span name', () => {
    assert.equal(matchFunctionSpan(span('pay', { 'code.function': 'refund' }), ['pay'], file), undefined);
  });

  it('a span with no code.* matches by span name only, and says so', () => {
    assert.deepEqual(matchFunctionSpan(span('pay'), ['pay'], file), { kind: 'match', function: 'pay', evidence: 'name', spanFunction: undefined });
    assert.equal(matchFunctionSpan(span('payment'), ['pay'], file), undefined);
  });

  it('compares span names without case only when asked (Zipkin lower-cases them)', () => {
    assert.equal(matchFunctionSpan(span('getuser'), ['getUser'], file), undefined);
    assert.equal(matchFunctionSpan(span('getuser'), ['getUser'], file, { caseInsensitiveSpanNames: true })?.kind, 'match');
  });

  it('a qualified symbol name (Checkout.pay) matches a span that names the short function', () => {
    assert.equal(matchFunctionSpan(span('x', { 'code.function': 'pay', 'code.namespace': 'com.acme.shop.Checkout' }), ['Checkout.pay'], file)?.kind, 'match');
  });

  it('Python modules and Go packages place a function by module path or folder', () => {
    assert.equal(matchFunctionSpan(span('x', { 'code.function.name': 'app.handlers.checkout' }), ['checkout'], 'app/handlers.py')?.kind, 'match');
    assert.equal(matchFunctionSpan(span('x', { 'code.function.name': 'github.com/acme/shop/billing.(*Service).Charge' }), ['Charge'], 'billing/service.go')?.kind, 'match');
    assert.equal(matchFunctionSpan(span('x', { 'code.function.name': 'github.com/acme/shop/orders.Charge' }), ['Charge'], 'billing/service.go')?.kind, 'elsewhere');
  });
});

describe('sameFile', () => {
  it('matches by path suffix at a separator, across separators, and compiled output by file name', () => {
    assert.ok(sameFile('/app/src/checkout.ts', 'src/checkout.ts'));
    assert.ok(sameFile('C:\\build\\src\\checkout.ts', 'src/checkout.ts'));
    assert.ok(sameFile('/app/dist/checkout.js', 'src/checkout.ts'));
    assert.ok(!sameFile('/app/src/mycheckout.ts', 'src/checkout.ts'));
    assert.ok(!sameFile('/app/src/orders.ts', 'src/checkout.ts'));
  });
});

import * as assert from 'node:assert/strict';
import { maxFunctionsPerRun, planFunctionQueries, re2Literal, traceqlForFunctions, type FunctionSpansRequest } from '../../../../src/core/backends/functionSpanQuery';
import { goUnquote } from './goUnquote';

const request = (functions: string[], extra: Partial<FunctionSpansRequest> = {}): FunctionSpansRequest => ({ functions, relativePath: 'src/checkout.ts', lookbackMinutes: 60, ...extra });

describe('functionSpanQuery', () => {
  it('escapes every RE2 metacharacter so a name matches only itself', () => {
    const name = 'a.b*c+d?e(f)g[h]i{j}k|l^m$n\\o';
    const pattern = new RegExp(`^${re2Literal(name)}$`);
    assert.ok(pattern.test(name));
    assert.ok(!pattern.test('aXb*c+d?e(f)g[h]i{j}k|l^m$n\\o'));
  });

  describe('Tempo', () => {
    it('asks both code.* generations and the span name in one TraceQL query, with select for status and location', () => {
      const query = traceqlForFunctions(['pay', 'refund']);
      assert.equal(
        query,
        '{ span.code.function.name =~ "^(?:.*[.:/#$\\\\\\\\])?(?:pay|refund)$" || span.code.function =~ "^(?:pay|refund)$" || name =~ "^(?:pay|refund)$" } | select(status, span.code.namespace, span.code.file.path, span.code.filepath, span.code.line.number, span.code.lineno, resource.service.name)',
      );
    });

    it('the qualified-name pattern, once unquoted, matches Java, Go and Python qualified names and not longer names', () => {
      const query = traceqlForFunctions(['pay']);
      const literal = /code\.function\.name =~ ("(?:[^"\\]|\\.)*")/.exec(query)?.[1];
      assert.ok(literal);
      const pattern = new RegExp(goUnquote(literal));
      for (const yes of ['pay', 'com.acme.Checkout.pay', 'github.com/acme/shop.(*Checkout).pay', 'checkout:pay', 'Checkout#pay', 'Checkout$1.pay']) assert.ok(pattern.test(yes), yes);
      for (const no of ['repay', 'payment', 'com.acme.Checkout.payLater']) assert.ok(!pattern.test(no), no);
    });

    it('scopes to a service inside the TraceQL (Tempo refuses q together with tags)', () => {
      const plan = planFunctionQueries('tempo', request(['pay'], { service: 'shop "backend"' }));
      assert.equal(plan.queries.length, 1);
      const q = plan.queries[0]?.query;
      assert.ok(q?.query?.startsWith('{ resource.service.name = "shop \\"backend\\"" && (span.code.function.name'));
      assert.equal(q?.service, undefined);
      assert.equal(q?.tags, undefined);
    });

    it('splits many functions into queries of 15 and caps a run at the maximum, saying which were left out', () => {
      const names = Array.from({ length: maxFunctionsPerRun + 3 }, (_, i) => `fn${i}`);
      const plan = planFunctionQueries('tempo', request(names));
      assert.equal(plan.functions.length, maxFunctionsPerRun);
      assert.deepEqual(
        plan.queries.map((q) => q.functions.length),
        [15, 15, 10],
      );
      assert.deepEqual(
        plan.skipped.map((s) => s.function),
        ['fn40', 'fn41', 'fn42'],
      );
      assert.match(plan.skipped[0]?.reason ?? '', /only the first 40 functions/);
    });

    it('keeps a name with quotes, backslashes and a newline inside its string literals', () => {
      // Surrounding whitespace is trimmed as a symbol name's would be, so the line break sits inside.
      const hostile = 'x" } | { status = error } || { name = "\\\ny';
      const query = planFunctionQueries('tempo', request([hostile])).queries[0]?.query.query ?? '';
      assert.ok(!query.includes('\n'));
      const literals = [...query.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => goUnquote(`"${m[1] ?? ''}"`));
      // Three string literals (one per condition) and nothing of the name outside them.
      assert.equal(literals.length, 3);
      for (const literal of literals) assert.ok(literal.includes(re2Literal(hostile)));
      assert.equal(
        query.replace(/"((?:[^"\\]|\\.)*)"/g, '""'),
        '{ span.code.function.name =~ "" || span.code.function =~ "" || name =~ "" } | select(status, span.code.namespace, span.code.file.path, span.code.filepath, span.code.line.number, span.code.lineno, resource.service.name)',
      );
    });
  });

  describe('Jaeger and Zipkin', () => {
    it('Jaeger: one tag search per code.* generation and one by operation when a service is given', () => {
      const plan = planFunctionQueries('jaeger', request(['pay'], { service: 'shop', traceLimit: 30 }));
      assert.deepEqual(
        plan.queries.map((q) => q.query),
        [
          { lookbackMinutes: 60, limit: 30, service: 'shop', tags: { 'code.function.name': 'pay' } },
          { lookbackMinutes: 60, limit: 30, service: 'shop', tags: { 'code.function': 'pay' } },
          { lookbackMinutes: 60, limit: 30, service: 'shop', operation: 'pay' },
        ],
      );
    });

    it('Jaeger without a service asks only by tags (an operation needs a service)', () => {
      const plan = planFunctionQueries('jaeger', request(['pay']));
      assert.deepEqual(
        plan.queries.map((q) => Object.keys(q.query.tags ?? {})[0] ?? `operation ${q.query.operation ?? ''}`),
        ['code.function.name', 'code.function'],
      );
    });

    it('Zipkin: lower-cases the span name, and skips names annotationQuery cannot carry', () => {
      const plan = planFunctionQueries('zipkin', request(['getUser', 'this and that', 'two\nlines']));
      assert.deepEqual(plan.functions, ['getUser']);
      assert.equal(plan.queries.find((q) => q.query.operation !== undefined)?.query.operation, 'getuser');
      assert.deepEqual(
        plan.skipped.map((s) => s.function),
        ['this and that', 'two\nlines'],
      );
      assert.match(plan.skipped[0]?.reason ?? '', /" and "/);
    });

    it('ignores blank and duplicate names, and refuses absurdly long ones', () => {
      const plan = planFunctionQueries('jaeger', request(['pay', ' pay ', '', 'x'.repeat(400)], { service: 's' }));
      assert.deepEqual(plan.functions, ['pay']);
      assert.equal(plan.skipped.length, 1);
      assert.match(plan.skipped[0]?.reason ?? '', /longer than 300/);
    });
  });
});

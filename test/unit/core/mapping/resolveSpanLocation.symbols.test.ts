import * as assert from 'node:assert/strict';
import type { MappingContext } from '../../../../src/core/mapping/mappingContext';
import { resolveSpanLocation, type SpanLocationResult } from '../../../../src/core/mapping/resolveSpanLocation';
import type { Attributes } from '../../../../src/core/model/attributes';
import { createResource, createSpan, type Span } from '../../../../src/core/model/span';
import { multiServiceContext, root } from './multiServiceWorkspace';

/** Sources added to the multi-service workspace, with same-named classes in two services. */
const texts: Readonly<Record<string, string>> = {
  'src/ads/src/main/java/demo/Service.java': `package demo;

public final class Service extends AdServiceGrpc.AdServiceImplBase {
  @Override
  @WithSpan("getAds")
  public void getAds(AdRequest req, StreamObserver<AdResponse> obs) {
    obs.onNext(getAds(req.getContextKeysList()));
  }

  private AdResponse getAds(List<String> keys) {
    return AdResponse.getDefaultInstance();
  }
}
`,
  'src/frauds/src/main/java/demo/Service.java': `package demo;

public class Service {
  public void getAds() {}
}
`,
  'src/ads/src/main/java/demo/AdCatalog.java': `package demo;

class AdCatalog {
  static List<Ad> byCategory(String category) { return List.of(); }
}
`,
  'src/frauds/src/main/kotlin/demo/Fraud.kt': `package demo

fun main() {
    consume()
}

private fun consume() {}
`,
  'src/co/money/money.go': `package money

// Sum adds amounts.
func Sum(a, b Money) (Money, error) {
	return a, nil
}
`,
  'src/co/money/money_test.go': `package money

func Sum(t *testing.T) {}
`,
  'src/acct/Program.cs': `namespace Accounting;

internal class Program
{
    static async Task Main(string[] args)
    {
        await Host.RunAsync();
    }
}
`,
  'src/recs/recs/service.py': `class RecommendationService:
    def ListRecommendations(self, request, context):
        return []
`,
  'src/email/lib/email/mailer.rb': `module Email
  class Mailer
    def deliver(order)
    end
  end
end
`,
};

function context(extra: Partial<MappingContext> = {}): MappingContext {
  const base = multiServiceContext();
  for (const path of Object.keys(texts)) base.index.add('demo', path);
  const reads: string[] = [];
  return {
    ...base,
    readSource: (path) => {
      reads.push(path);
      return Promise.resolve(texts[path.slice(root.length + 1)]);
    },
    ...extra,
  };
}

function span(attributes: Attributes, service: string, sdk?: string, stack?: string): Span {
  const resource = createResource({ 'service.name': service, ...(sdk === undefined ? {} : { 'telemetry.sdk.language': sdk }) });
  const events = stack === undefined ? [] : [{ timeNs: 0n, name: 'exception', attributes: { 'exception.type': 'System.InvalidOperationException', 'exception.stacktrace': stack } }];
  return createSpan({ traceId: 't', spanId: 's', name: 'op', startNs: 0n, endNs: 1n, attributes, events, resource });
}

const at = (result: SpanLocationResult): [string, number | undefined] | undefined => result.location && [result.location.relativePath, result.location.line];

describe('resolveSpanLocation of symbols without a language server', () => {
  it('Java: code.namespace + code.function land on the declaration line in the service’s file, the first overload', async () => {
    const result = await resolveSpanLocation(span({ 'code.namespace': 'demo.Service', 'code.function': 'getAds' }, 'ad', 'java'), context());
    assert.deepEqual(at(result), ['src/ads/src/main/java/demo/Service.java', 6]);
    assert.equal(result.location?.column, 15);
    assert.ok(result.steps.some((s) => s.rule === 'declarationSearch' && /first of 2/.test(s.result)));
  });

  it('Java: code.function.name fully qualified, and a Kotlin top-level function of FraudKt', async () => {
    assert.deepEqual(at(await resolveSpanLocation(span({ 'code.function.name': 'demo.AdCatalog.byCategory' }, 'ad', 'java'), context())), ['src/ads/src/main/java/demo/AdCatalog.java', 4]);
    assert.deepEqual(at(await resolveSpanLocation(span({ 'code.function.name': 'demo.FraudKt.consume' }, 'fraud-detection', 'java'), context())), ['src/frauds/src/main/kotlin/demo/Fraud.kt', 7]);
  });

  it('does not open a class file of another service’s folder when the span’s service folder is known', async () => {
    // AdCatalog exists only in the ad service; the fraud service's folder is known from its Gradle settings.
    const result = await resolveSpanLocation(span({ 'code.namespace': 'demo.AdCatalog', 'code.function': 'byCategory' }, 'fraud-detection', 'java'), context());
    assert.equal(result.location, undefined);
    assert.equal(result.reason?.kind, 'needsSymbolSearch');
    assert.deepEqual(result.symbol?.files, []);
  });

  it('offers the declarations, opening none, when the service is unknown and two services declare the method', async () => {
    const result = await resolveSpanLocation(span({ 'code.namespace': 'demo.Service', 'code.function': 'getAds' }, 'mystery', 'java'), context());
    assert.equal(result.location, undefined);
    assert.equal(result.reason?.kind, 'needsSymbolSearch');
    assert.deepEqual(
      result.symbol?.declarations?.map((d) => [d.relativePath, d.line]),
      [
        ['src/ads/src/main/java/demo/Service.java', 6],
        ['src/frauds/src/main/java/demo/Service.java', 4],
      ],
    );
  });

  it('Go, C#, Python and Ruby from their qualified names', async () => {
    const go = await resolveSpanLocation(span({ 'code.function.name': 'github.com/demo/checkout/v2/money.Sum' }, 'checkout', 'go'), context());
    assert.deepEqual(at(go), ['src/co/money/money.go', 4]);
    const cs = await resolveSpanLocation(span({ 'code.namespace': 'Accounting.Program', 'code.function': 'Main' }, 'accounting', 'dotnet'), context());
    assert.deepEqual(at(cs), ['src/acct/Program.cs', 5]);
    const py = await resolveSpanLocation(span({ 'code.function.name': 'recs.service.RecommendationService.ListRecommendations' }, 'recommendation', 'python'), context());
    assert.deepEqual(at(py), ['src/recs/recs/service.py', 2]);
    const rb = await resolveSpanLocation(span({ 'code.namespace': 'Email::Mailer', 'code.function': 'deliver' }, 'email', 'ruby'), context());
    assert.deepEqual(at(rb), ['src/email/lib/email/mailer.rb', 3]);
  });

  it('without telemetry.sdk.language, from the name’s shape', async () => {
    assert.deepEqual(at(await resolveSpanLocation(span({ 'code.function.name': 'demo.AdCatalog.byCategory' }, 'ad'), context())), ['src/ads/src/main/java/demo/AdCatalog.java', 4]);
    assert.deepEqual(at(await resolveSpanLocation(span({ 'code.function.name': 'Email::Mailer#deliver' }, 'email'), context())), ['src/email/lib/email/mailer.rb', 3]);
  });

  it('stack frames that name only a method (.NET without PDBs, JVM Unknown Source) go to its declaration', async () => {
    const dotnet = [
      'System.InvalidOperationException: no ledger',
      '   at System.Threading.Tasks.Task.ThrowIfExceptional(Boolean includeTaskCanceledExceptions)',
      '   at Accounting.Program.<Main>d__0.MoveNext()',
      '   at Accounting.Program.Main(String[] args)',
    ].join('\n');
    const cs = await resolveSpanLocation(span({}, 'accounting', 'dotnet', dotnet), context());
    assert.deepEqual(at(cs), ['src/acct/Program.cs', 5]);
    const java = 'java.lang.IllegalStateException: x\n\tat demo.Nowhere.run(Unknown Source)\n\tat demo.AdCatalog.byCategory(Unknown Source)\n\tat java.lang.Thread.run(Thread.java:833)';
    // The first frame's class is nowhere; the next frame's is.
    const jvm = await resolveSpanLocation(span({}, 'ad', 'java', java), context());
    assert.deepEqual(at(jvm), ['src/ads/src/main/java/demo/AdCatalog.java', 4]);
    assert.equal(jvm.from?.kind === 'symbol' && jvm.from.qualifiedName, 'demo.AdCatalog.byCategory');
  });

  it('leaves the symbol to the editor when no file can be read or none declares it', async () => {
    const unread = await resolveSpanLocation(span({ 'code.namespace': 'demo.Service', 'code.function': 'getAds' }, 'ad', 'java'), context({ readSource: () => Promise.resolve(undefined) }));
    assert.equal(unread.reason?.kind, 'needsSymbolSearch');
    assert.deepEqual(
      unread.symbol?.files.map((f) => f.relativePath),
      ['src/ads/src/main/java/demo/Service.java'],
    );
    const missing = await resolveSpanLocation(span({ 'code.namespace': 'demo.Service', 'code.function': 'nothing' }, 'ad', 'java'), context());
    assert.equal(missing.reason?.kind, 'needsSymbolSearch');
    assert.ok(missing.steps.some((s) => s.rule === 'declarationSearch' && s.outcome === 'failed'));
  });
});

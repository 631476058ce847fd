import * as assert from 'node:assert/strict';
import type { MappingContext } from '../../../../src/core/mapping/mappingContext';
import { parseStackTrace } from '../../../../src/core/mapping/parseStackTrace';
import { resolveSpanLocation } from '../../../../src/core/mapping/resolveSpanLocation';
import { resolveWorkspacePath } from '../../../../src/core/mapping/resolveWorkspacePath';
import type { ParsedStackTrace } from '../../../../src/core/mapping/stackFrame';
import { createResource, createSpan, type Span } from '../../../../src/core/model/span';
import { corpusLookups, javaCorpus, pythonCorpus, typescriptCorpus, type Corpus, type CorpusTrace } from './runtimeCorpus';

function exceptionSpan(corpus: Corpus, stack: string): Span {
  return createSpan({
    traceId: 't',
    spanId: 's',
    name: 'op',
    startNs: 0n,
    endNs: 1n,
    events: [{ timeNs: 0n, name: 'exception', attributes: { 'exception.stacktrace': stack } }],
    resource: createResource(corpus.resource),
  });
}

/** Each application frame, resolved on its own: [section type, function, workspace file, line]. */
async function resolveEachFrame(corpus: Corpus, trace: ParsedStackTrace, context: MappingContext = corpus.context): Promise<(string | number | undefined)[][]> {
  const rows: (string | number | undefined)[][] = [];
  for (const section of trace.sections) {
    for (const frame of section.frames) {
      if (frame.library || frame.file === undefined) continue;
      // JVM frames name `com/shop/X.java`: the whole package path must match, as extractSpanLocations asks.
      const minimumSuffixSegments = corpus.language === 'java' ? frame.file.split('/').length : 1;
      const { resolution } = await resolveWorkspacePath(frame.file, context, createResource(corpus.resource).serviceName, { minimumSuffixSegments });
      rows.push([section.type, frame.function, resolution.kind === 'resolved' ? resolution.file.relativePath : resolution.kind, frame.line]);
    }
  }
  return rows;
}

function expectedRows(trace: CorpusTrace): (string | number | undefined)[][] {
  return trace.frames.map((f) => [f.section, f.function, f.relativePath, f.line]);
}

function onlyTrace(corpus: Corpus): CorpusTrace {
  const [trace] = corpus.traces;
  if (!trace) throw new Error(`${corpus.name}: no trace`);
  return trace;
}

describe('real Python traceback (python3 at test time)', function () {
  this.timeout(60_000);
  let corpus: Corpus | undefined;

  before(function () {
    corpus = pythonCorpus();
    if (!corpus) {
      console.warn('    skipped: python3 is not installed, so no real Python traceback can be produced');
      this.skip();
    }
  });
  after(() => corpus?.dispose());

  function ready(): Corpus {
    if (!corpus) throw new Error('python corpus missing');
    return corpus;
  }

  it('ran from a directory the workspace does not contain', () => {
    const c = ready();
    assert.ok(!c.context.folders.some((f) => c.runDirectory.startsWith(f.path)), 'run directory inside the workspace');
    assert.ok(onlyTrace(c).text.includes(`File "${c.runDirectory}/shop/prices.py"`), onlyTrace(c).text);
  });

  it('parses the chained traceback into cause, context and main sections with their types', () => {
    const parsed = parseStackTrace(onlyTrace(ready()).text);
    assert.equal(parsed.language, 'python');
    assert.deepEqual(
      parsed.sections.map((s) => [s.kind, s.type]),
      [
        ['cause', 'KeyError'],
        ['context', 'LookupError'],
        ['main', 'RuntimeError'],
      ],
    );
  });

  it('maps every application frame through the path mapping to the file and line of its statement', async () => {
    const c = ready();
    const trace = onlyTrace(c);
    assert.deepEqual(await resolveEachFrame(c, parseStackTrace(trace.text)), expectedRows(trace));
  });

  it('needs the rule: without it the frames’ path suffix also fits the tools/ copy', async () => {
    const c = ready();
    const withoutRule: MappingContext = { ...c.context, pathMappings: [] };
    const { resolution } = await resolveWorkspacePath(`${c.runDirectory}/shop/cart.py`, withoutRule);
    assert.equal(resolution.kind, 'ambiguous');
  });

  it('takes the exception event to the root cause’s raising statement, through the rule', async () => {
    const c = ready();
    const trace = onlyTrace(c);
    const result = await resolveSpanLocation(exceptionSpan(c, trace.text), c.context);
    assert.deepEqual(result.location && [result.location.relativePath, result.location.line], [trace.throwSite.relativePath, trace.throwSite.line]);
    assert.deepEqual(
      result.steps.map((s) => `${s.rule}:${s.outcome}`),
      ['stackFrame:matched', 'pathMapping:matched'],
    );
  });
});

describe('real Java stack trace (javac -g and java at test time)', function () {
  this.timeout(60_000);
  let corpus: Corpus | undefined;

  before(function () {
    corpus = javaCorpus();
    if (!corpus) {
      console.warn('    skipped: javac or java is not installed, so no real Java stack trace can be produced');
      this.skip();
    }
  });
  after(() => corpus?.dispose());

  function ready(): Corpus {
    if (!corpus) throw new Error('java corpus missing');
    return corpus;
  }

  it('parses the main section and its Caused by: with types, the nested class’s package kept', () => {
    const parsed = parseStackTrace(onlyTrace(ready()).text);
    assert.equal(parsed.language, 'java');
    assert.deepEqual(
      parsed.sections.map((s) => [s.kind, s.type, s.frames.map((f) => f.file)]),
      [
        ['main', 'java.lang.RuntimeException', ['com/shop/Main.java', 'com/shop/Main.java']],
        ['cause', 'java.lang.IllegalStateException', ['com/shop/Inventory.java', 'com/shop/Inventory.java', 'com/shop/Main.java']],
      ],
    );
  });

  it('maps every application frame by its package path to the file and line of its statement', async () => {
    const c = ready();
    const trace = onlyTrace(c);
    assert.deepEqual(await resolveEachFrame(c, parseStackTrace(trace.text)), expectedRows(trace));
  });

  it('never maps a frame to the same-named file of another package', async () => {
    const c = ready();
    const { resolution } = await resolveWorkspacePath('com/shop/Inventory.java', c.context, undefined, { minimumSuffixSegments: 3 });
    assert.equal(resolution.kind === 'resolved' && resolution.file.relativePath, 'services/billing/src/main/java/com/shop/Inventory.java');
    const bare = await resolveWorkspacePath('Inventory.java', c.context);
    assert.equal(bare.resolution.kind, 'unconfirmed');
  });

  it('takes the exception event to the root cause’s throw statement', async () => {
    const c = ready();
    const trace = onlyTrace(c);
    const result = await resolveSpanLocation(exceptionSpan(c, trace.text), c.context);
    assert.deepEqual(result.location && [result.location.relativePath, result.location.line], [trace.throwSite.relativePath, trace.throwSite.line]);
  });
});

describe('real runtime corpora as span locations', function () {
  this.timeout(60_000);
  const corpora: Corpus[] = [];

  before(() => {
    corpora.push(typescriptCorpus());
    for (const make of [pythonCorpus, javaCorpus]) {
      const corpus = make();
      if (corpus) corpora.push(corpus);
    }
  });
  after(() => {
    for (const corpus of corpora) corpus.dispose();
  });

  it('lands every application frame’s span and every exception event on its line, and library frames nowhere', async () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const corpus of corpora) {
      for (const lookup of corpusLookups(corpus)) {
        const { location } = await resolveSpanLocation(lookup.span, corpus.context);
        const got = location && `${location.relativePath}:${location.line ?? '?'}`;
        const want = lookup.expected && `${lookup.expected.relativePath}:${lookup.expected.line}`;
        if (got !== want) wrong.push(`${corpus.name} ${lookup.label}: got ${got ?? 'nothing'}, want ${want ?? 'nothing'}`);
        checked++;
      }
    }
    assert.deepEqual(wrong, []);
    // 4 V8 traces (2 + 3 application frames each build, plus library frames and events).
    assert.ok(checked > 20, `only ${checked} lookups`);
  });
});

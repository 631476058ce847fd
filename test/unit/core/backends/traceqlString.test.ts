import * as assert from 'node:assert/strict';
import { traceqlString } from '../../../../src/core/backends/traceqlString';
import { goUnquote } from './goUnquote';

describe('traceqlString', () => {
  it('escapes quotes and backslashes', () => {
    assert.equal(traceqlString('say "hi" \\o/'), '"say \\"hi\\" \\\\o/"');
  });

  it('round-trips hostile names through Go unquoting: quotes, backslashes, line breaks, tabs, control characters', () => {
    for (const name of ['pay', 'say "hi"', 'C:\\path\\x', 'line\nbreak\r\n', 'tab\there', 'bell\u0007', 'ünïcødé ✓', '} || { status = error', 'a\u2028b']) {
      const literal = traceqlString(name);
      assert.equal(goUnquote(literal), name, `${JSON.stringify(name)} became ${literal}`);
    }
  });

  it('turns a lone surrogate (which Go refuses) into U+FFFD instead of sending it', () => {
    assert.equal(goUnquote(traceqlString('a\uD800b')), 'a\uFFFDb');
  });
});

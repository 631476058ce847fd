import * as assert from 'node:assert/strict';
import { normalizeExceptionMessage } from '../../../../src/core/aggregation/normalizeExceptionMessage';

describe('normalizeExceptionMessage', () => {
  const cases: [string, string][] = [
    ['order 4711 not found', 'order <num> not found'],
    ['timeout after 30012.5 ms', 'timeout after <num> ms'],
    ['user 3f2b6c1e-9a4d-4e2b-8c1f-0a9b8c7d6e5f has no cart', 'user <uuid> has no cart'],
    ['trace 4bf92f3577b34da6a3ce929d0e0e4736 dropped', 'trace <hex> dropped'],
    ['bad pointer 0x7ffee4b2c9a0', 'bad pointer <hex>'],
    ["column 'email' cannot be null", 'column <str> cannot be null'],
    ['duplicate key "alice@example.com"', 'duplicate key <str>'],
    ['no account for bob.smith+test@mail.example.org', 'no account for <email>'],
    ['GET https://api.example.com/v1/orders/17?x=1 failed: 503', 'GET <url> failed: <num>'],
    ['  many   spaces\n here ', 'many spaces here'],
    ['Connection refused', 'Connection refused'],
    ['deadline exceeded in handler2', 'deadline exceeded in handler2'],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => assert.equal(normalizeExceptionMessage(input), expected));
  }

  it('folds messages that differ only by their data into one', () => {
    assert.equal(normalizeExceptionMessage('order 1 for a@b.io failed'), normalizeExceptionMessage('order 999 for x.y@z.com failed'));
  });

  it('cuts very long messages before grouping', () => {
    assert.ok(normalizeExceptionMessage('x'.repeat(10_000)).length <= 500);
  });
});

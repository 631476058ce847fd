import * as assert from 'node:assert/strict';
import { requireRealServer, type RealServerRequirement } from '../../servers/realServerGate';

describe('real-server gate', () => {
  const savedCi = process.env['CI'];
  afterEach(() => {
    if (savedCi === undefined) delete process.env['CI'];
    else process.env['CI'] = savedCi;
  });

  const missing = (tool: string): RealServerRequirement => ({ server: 'Fake server', tool, install: 'the fake tool', problems: () => ['fake-server-1.0 is missing'] });
  function gate(requirement: RealServerRequirement): 'ran' | 'skipped' | Error {
    const skip = new Error('skip');
    const context = {
      skip: (): never => {
        throw skip;
      },
    } as unknown as Mocha.Context;
    try {
      requireRealServer(context, requirement);
      return 'ran';
    } catch (error: unknown) {
      return error === skip ? 'skipped' : (error as Error);
    }
  }

  it('runs when the server is ready', () => {
    process.env['CI'] = '1';
    assert.equal(gate({ ...missing('node'), problems: () => [] }), 'ran');
  });

  it('fails in CI when the server is missing, even without the tool', () => {
    process.env['CI'] = '1';
    const outcome = gate(missing('spanlens-no-such-tool'));
    assert.ok(outcome instanceof Error);
    assert.match(outcome.message, /Fake server is not ready \(fake-server-1\.0 is missing\)\. Run bash scripts\/setup-servers\.sh/);
  });

  it('skips on a machine without the tool, outside CI', () => {
    delete process.env['CI'];
    const logged: unknown[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => logged.push(...args);
    try {
      assert.equal(gate(missing('spanlens-no-such-tool')), 'skipped');
    } finally {
      console.log = log;
    }
    assert.equal(logged.length, 1);
    assert.match(String(logged[0]), /need the fake tool; then run bash scripts\/setup-servers\.sh/);
  });

  it('fails outside CI when the tool is there but the set-up was not run', () => {
    delete process.env['CI'];
    const outcome = gate(missing('node'));
    assert.ok(outcome instanceof Error);
    assert.match(outcome.message, /Run bash scripts\/setup-servers\.sh/);
  });
});

import * as assert from 'node:assert/strict';
import { parseSourceEntries, trustedSettingValue } from '../../../../src/core/backends/parseSourceEntries';

describe('spanlens.sources selection and checking', () => {
  const user = [{ name: 'prod', type: 'tempo', url: 'https://tempo.example.com' }];
  const workspace = [{ name: 'prod', type: 'tempo', url: 'https://attacker.example.net' }];

  it('ignores workspace values in an untrusted workspace, so a repository cannot redirect credentials', () => {
    const inspected = { defaultValue: [], globalValue: user, workspaceValue: workspace };
    assert.deepEqual(trustedSettingValue(inspected, false), user);
    assert.deepEqual(trustedSettingValue({ defaultValue: [], workspaceValue: workspace }, false), []);
    assert.deepEqual(trustedSettingValue({ defaultValue: [], workspaceFolderValue: workspace }, false), []);
  });

  it('uses the most specific value in a trusted workspace', () => {
    assert.deepEqual(trustedSettingValue({ defaultValue: [], globalValue: user, workspaceValue: workspace }, true), workspace);
    assert.deepEqual(trustedSettingValue({ defaultValue: [], globalValue: user }, true), user);
    assert.equal(trustedSettingValue(undefined, true), undefined);
  });

  it('keeps the good entries and names each bad one with what to fix', () => {
    const parsed = parseSourceEntries([
      { name: 'jaeger', type: 'jaeger', url: 'http://localhost:16686' },
      { name: 'typo', type: 'jager', url: 'http://localhost:16686' },
      { name: 'leaky', type: 'zipkin', url: 'https://user:pw@zipkin.example.com' },
      { type: 'tempo', url: 'http://x' },
      { name: 'local', type: 'tempo', url: 'http://x' },
      { name: 'jaeger', type: 'zipkin', url: 'http://y' },
      { name: 'nourl', type: 'tempo' },
      'not an object',
    ]);
    assert.deepEqual(
      parsed.sources.map((s) => s.name),
      ['jaeger'],
    );
    assert.equal(parsed.problems.length, 7);
    assert.match(parsed.problems[0] ?? '', /"typo".*"type" must be one of jaeger, tempo, zipkin/);
    assert.match(parsed.problems[1] ?? '', /"leaky".*user name or password/);
    assert.ok(!(parsed.problems[1] ?? '').includes('pw@'));
    assert.match(parsed.problems[2] ?? '', /Entry 4 .*no "name"/);
    assert.match(parsed.problems[3] ?? '', /"local".*reserves/);
    assert.match(parsed.problems[4] ?? '', /"jaeger" is defined more than once/);
    assert.match(parsed.problems[5] ?? '', /"nourl" has no "url"/);
    assert.match(parsed.problems[6] ?? '', /Entry 8 .*not an object/);
  });

  it('treats an absent setting as no sources and a non-list as one problem', () => {
    assert.deepEqual(parseSourceEntries(undefined), { sources: [], problems: [] });
    assert.equal(parseSourceEntries({ name: 'x' }).problems.length, 1);
  });
});

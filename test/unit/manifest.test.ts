import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { commandIds, extensionId, extraCommandIds, tracesViewId, viewContainerId } from '../../src/shared/contract';

const root = resolve(__dirname, '..', '..', '..');

interface Manifest {
  name: string;
  publisher: string;
  main: string;
  engines: { vscode: string };
  activationEvents?: string[];
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    viewsContainers: { activitybar: { id: string; icon: string }[] };
    views: Record<string, { id: string }[]>;
    viewsWelcome: { view: string; contents: string }[];
    configuration: { title: string; properties: Record<string, { markdownDescription?: string; description?: string }> }[];
  };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;

/** Setting keys named by ../shared/reference/contract.md. */
const contractSettings = [
  'spanlens.sources',
  'spanlens.defaultSource',
  'spanlens.receiver.autoStart',
  'spanlens.receiver.host',
  'spanlens.receiver.httpPort',
  'spanlens.receiver.grpcPort',
  'spanlens.receiver.maxSpans',
  'spanlens.pathMappings',
  'spanlens.serviceFolders',
  'spanlens.annotations.codeLens',
  'spanlens.annotations.hover',
  'spanlens.annotations.decorations',
  'spanlens.annotations.diagnostics',
  'spanlens.annotations.window',
  'spanlens.annotations.percentiles',
];

describe('package.json against the public contract', () => {
  it('has the contract extension id', () => {
    assert.equal(`${manifest.publisher}.${manifest.name}`, extensionId);
  });

  it('contributes exactly the contract commands plus the documented extras, each in the SpanLens category', () => {
    const contributed = manifest.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual(contributed, [...commandIds, ...extraCommandIds].sort());
    // An extra must not shadow a contract id, and a person must be able to read about it.
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const extra of extraCommandIds) {
      assert.ok(!(commandIds as readonly string[]).includes(extra), `${extra} is already a contract command`);
      assert.ok(readme.includes(extra), `${extra} is not documented in README.md`);
    }
    for (const command of manifest.contributes.commands) {
      assert.equal(command.category, 'SpanLens', `${command.command} has category ${command.category}`);
      assert.ok(command.title.length > 0);
    }
  });

  it('never activates on every event', () => {
    assert.ok(!(manifest.activationEvents ?? []).includes('*'));
  });

  it('contributes the SpanLens container with the traces view and a welcome for an empty view', () => {
    assert.ok(manifest.contributes.viewsContainers.activitybar.some((c) => c.id === viewContainerId));
    assert.ok(manifest.contributes.views[viewContainerId]?.some((v) => v.id === tracesViewId));
    const welcome = manifest.contributes.viewsWelcome.find((w) => w.view === tracesViewId);
    assert.ok(welcome, 'no welcome content for the traces view');
    assert.match(welcome.contents, /command:spanlens\.openTraceFile/);
  });

  it('declares every contract setting with a description', () => {
    const declared = Object.assign({}, ...manifest.contributes.configuration.map((section) => section.properties)) as Record<
      string,
      { markdownDescription?: string; description?: string }
    >;
    for (const key of contractSettings) {
      const setting = declared[key];
      assert.ok(setting, `${key} is not declared`);
      assert.ok(setting.markdownDescription ?? setting.description, `${key} has no description`);
    }
  });

  it('targets VS Code 1.100 and pins the design-card dependencies', () => {
    assert.equal(manifest.engines.vscode, '^1.100.0');
    assert.match(manifest.devDependencies['@types/vscode'] ?? '', /^\^?1\.100\./);
    for (const dep of ['undici', 'source-map']) assert.ok(manifest.dependencies[dep], `${dep} missing`);
    for (const dep of ['esbuild', 'mocha', '@vscode/test-electron']) assert.ok(manifest.devDependencies[dep], `${dep} missing`);
    assert.equal(manifest.main, './dist/extension.js');
  });
});

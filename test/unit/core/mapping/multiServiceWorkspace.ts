import type { MappingContext } from '../../../../src/core/mapping/mappingContext';
import { ServiceFolderFinder } from '../../../../src/core/mapping/serviceFolderFinder';
import { WorkspaceFileIndex } from '../../../../src/core/mapping/workspaceFileIndex';

/**
 * One repository of several services, as the OpenTelemetry demo lays it out: each service's
 * folder is named differently from its `service.name`, so only its manifest tells them apart,
 * and file names collide across services (`index.js`, `main.py`, `app.ts`, `Service.java`).
 */
export const root = '/home/dev/demo';

export const manifests: Readonly<Record<string, string>> = {
  'src/web/package.json': JSON.stringify({ name: '@demo/frontend', version: '1.0.0', dependencies: { '@opentelemetry/instrumentation-grpc': '0.57.0' } }),
  'src/pay/package.json': JSON.stringify({ name: 'payment' }),
  'src/recs/pyproject.toml': '[build-system]\nrequires = ["setuptools"]\nname = "not-this"\n\n[project]\nname = "recommendation"\nversion = "1.0"\n',
  'src/quotes/setup.cfg': '[options]\nname = wrong\n\n[metadata]\nname = quote\nversion = 2\n',
  'src/ads/pom.xml':
    '<project>\n  <parent>\n    <groupId>demo</groupId>\n    <artifactId>demo-parent</artifactId>\n  </parent>\n  <artifactId>ad</artifactId>\n  <dependencies><dependency><artifactId>grpc-api</artifactId></dependency></dependencies>\n</project>\n',
  'src/frauds/settings.gradle.kts': 'rootProject.name = "fraud-detection"\n',
  'src/frauds/build.gradle.kts': 'plugins { kotlin("jvm") }\n',
  'src/co/go.mod': 'module github.com/demo/checkout/v2\n\ngo 1.22\n',
  'src/acct/Accounting.csproj': '<Project Sdk="Microsoft.NET.Sdk"></Project>\n',
  'src/shipper/build.gradle': "plugins { id 'java' }\nrootProject.name = 'shipping'\n",
};

export const sources = [
  'src/web/server.ts',
  'src/web/src/app.ts',
  'src/web/pages/api/cart.ts',
  'src/pay/index.js',
  'src/pay/lib/charge.js',
  'src/recs/main.py',
  'src/recs/recs/main.py',
  'src/quotes/main.py',
  'src/ads/src/main/java/demo/Service.java',
  'src/frauds/src/main/java/demo/Service.java',
  'src/co/main.go',
  'src/acct/Program.cs',
  'src/shipper/src/main/java/demo/Shipping.java',
  // Named like its service (`email`), with no manifest SpanLens reads.
  'src/email/src/app.ts',
  'src/email/Gemfile',
];

/** A reader over `manifests`, counting reads so caching can be checked. */
export function manifestReader(reads: string[] = [], texts: Readonly<Record<string, string>> = manifests): (path: string) => Promise<string | undefined> {
  return (path) => {
    reads.push(path);
    return Promise.resolve(texts[path.slice(root.length + 1)]);
  };
}

export function multiServiceContext(extra: Partial<MappingContext> = {}, existing: readonly string[] = []): MappingContext {
  const index = WorkspaceFileIndex.fromFiles([...Object.keys(manifests), ...sources].map((relativePath) => ({ folder: 'demo', relativePath })));
  const folders = [{ name: 'demo', path: root }];
  const finder = new ServiceFolderFinder(manifestReader());
  const present = new Set(existing);
  return {
    folders,
    index,
    fileExists: (path) => Promise.resolve(present.has(path)),
    inferServiceFolder: (service) => finder.find(service, folders, index),
    ...extra,
  };
}

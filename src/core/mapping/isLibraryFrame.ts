import type { StackLanguage } from './stackFrame';

// Paths of dependencies and runtimes, per language. Forward slashes: callers pass paths with
// backslashes folded. They decide the order frames are tried in; where a library frame may then
// map is dependencyPathOf's business.
const libraryPaths: Record<StackLanguage, RegExp> = {
  v8: /(?:^|\/)(?:node_modules|bower_components|jspm_packages)\/|^node:|^internal\/|^<anonymous>$|^native$|^(?:evalmachine|wasm:)|^webpack\/(?:bootstrap|runtime)/,
  // `_vendor/` is how pip and setuptools ship their own dependencies; `.pyx`/`.pxd` are Cython.
  python: /\/(?:site-packages|dist-packages)\/|(?:^|\/)lib(?:64)?\/python\d+(?:\.\d+)?t?\/|\/_vendor\/|\.(?:pyx|pxd)$|^<frozen |^<string>$|^<stdin>$/,
  java: /^$/,
  // Runtime and NuGet packages built with deterministic paths record `/_/src/...`.
  dotnet: /^\/_\//,
  go: /\/go\/src\/(?:runtime|net|internal|sync|syscall|reflect|os)\/|\/usr\/local\/go\/src\/|\/usr\/lib\/go(?:-[\d.]+)?\/src\/|\/pkg\/mod\/|(?:^|\/)vendor\//,
  ruby: /\/gems\/|\/lib\/ruby\/\d|^<internal:|\/rubygems\/|(?:^|\/)vendor\/bundle\//,
};

const javaLibraryClasses =
  /^(?:java|javax|jdk|sun|com\.sun|kotlin|kotlinx|scala|groovy|org\.springframework|org\.apache|org\.hibernate|org\.eclipse\.jetty|io\.netty|io\.grpc|io\.opentelemetry|reactor|okhttp3|com\.fasterxml|org\.junit|org\.gradle|jakarta|org\.postgresql|com\.mysql|org\.mariadb|com\.zaxxer|ch\.qos|org\.slf4j|io\.micrometer|feign|retrofit2|com\.amazonaws|software\.amazon|com\.google)\./;
const dotnetLibraryMethods = /^(?:System|Microsoft|Grpc|Npgsql|Newtonsoft|Xunit|NUnit)\./;
const goRuntimeFunctions = /^(?:runtime|internal|reflect|sync|syscall|net\/http|testing)[./]/;

/** Whether a frame belongs to a runtime, standard library or dependency rather than the app. */
export function isLibraryFrame(language: StackLanguage, file: string | undefined, fn: string | undefined): boolean {
  const path = file?.replace(/\\/g, '/');
  switch (language) {
    case 'java':
      return fn !== undefined && javaLibraryClasses.test(fn);
    case 'dotnet':
      return (fn !== undefined && dotnetLibraryMethods.test(fn)) || (path !== undefined && libraryPaths.dotnet.test(path));
    case 'go':
      return (fn !== undefined && goRuntimeFunctions.test(fn)) || (path !== undefined && libraryPaths.go.test(path));
    case 'python':
      // Cython-compiled modules (gevent, uvloop, grpc's cygrpc…) report the path they were built
      // from (`src/gevent/event.py`) and a dotted function (`gevent._gevent_cevent.Event.wait`);
      // interpreted code reports a bare function name.
      return path === undefined || libraryPaths.python.test(path) || (fn !== undefined && /^[\w.]+\.[\w<>]+$/.test(fn) && fn.includes('.'));
    default:
      return path === undefined || libraryPaths[language].test(path);
  }
}

/**
 * Where a path lies in a dependency or runtime install. `segments` start at the folder that holds
 * the dependencies (`node_modules/@scope/pkg/…`, `site-packages/pkg/…`, `pkg/mod/…`): a frame
 * there may map only to that same path in the workspace, never to application code that
 * happens to share its file name.
 */
export interface DependencyPath {
  readonly kind: 'dependency' | 'runtime';
  readonly segments: readonly string[];
  /** The package (`@opentelemetry/instrumentation-grpc`, `gevent`), when the path names one. */
  readonly name: string | undefined;
  /** A runtime-internal name that is never a file (`node:internal/…`, `<frozen runpy>`). */
  readonly nowhere: boolean;
}

const nowherePaths = /^(?:node:|internal\/|<frozen |<internal:|<string>$|<stdin>$|<anonymous>$|native$|evalmachine|wasm:|\/_\/)/;
const goStandardLibrary =
  /^(?:runtime|net|internal|sync|syscall|reflect|os|fmt|io|context|crypto|encoding|errors|bufio|bytes|strings|strconv|time|math|sort|log|database|testing|unicode|path|regexp|mime|html|text|compress|container|hash|archive|debug|embed|flag|maps|slices|iter|unsafe|cmp)$/;

/** The dependency or runtime a path lies in, or undefined for application code (as far as the path tells). */
export function dependencyPathOf(raw: string, segments: readonly string[]): DependencyPath | undefined {
  const text = raw.trim().replace(/\\/g, '/');
  if (nowherePaths.test(text)) return { kind: 'runtime', segments, name: undefined, nowhere: true };
  const last = (test: (segment: string, i: number) => boolean): number => {
    for (let i = segments.length - 2; i >= 0; i--) if (test(segments[i] ?? '', i)) return i;
    return -1;
  };
  const from = (kind: DependencyPath['kind'], i: number, name: string | undefined): DependencyPath => ({ kind, segments: segments.slice(i), name, nowhere: false });
  const next = (i: number): string | undefined => (i + 2 < segments.length ? segments[i + 1] : undefined);

  const nodeModules = last((s) => s === 'node_modules' || s === 'bower_components' || s === 'jspm_packages');
  if (nodeModules >= 0) {
    const first = next(nodeModules);
    const scoped = first?.startsWith('@') === true && nodeModules + 3 < segments.length ? `${first}/${segments[nodeModules + 2] ?? ''}` : first;
    return from('dependency', nodeModules, scoped);
  }
  const sitePackages = last((s) => s === 'site-packages' || s === 'dist-packages');
  if (sitePackages >= 0) return from('dependency', sitePackages, next(sitePackages)?.replace(/\.py$/, ''));
  const goModules = last((s, i) => s === 'pkg' && segments[i + 1] === 'mod');
  if (goModules >= 0) {
    const module = segments.slice(goModules + 2, -1);
    const end = module.findIndex((s) => s.includes('@'));
    return from(
      'dependency',
      goModules,
      end < 0
        ? module.join('/') || undefined
        : module
            .slice(0, end + 1)
            .join('/')
            .replace(/@[^/]*$/, ''),
    );
  }
  const gems = last((s) => s === 'gems');
  if (gems >= 0) return from('dependency', gems, next(gems)?.replace(/-[\d.]+$/, ''));
  const m2 = last((s) => s === '.m2');
  if (m2 >= 0) return from('dependency', m2, undefined);
  const vendor = last((s) => s === 'vendor' || s === '_vendor');
  if (vendor >= 0) return from('dependency', vendor, next(vendor));
  const python = last((s, i) => /^python\d+(?:\.\d+)?t?$/i.test(s) && i > 0 && /^lib(?:64)?$/i.test(segments[i - 1] ?? ''));
  if (python >= 0) return from('runtime', python - 1, undefined);
  // Only absolute paths: a JVM frame's relative path is its package, and `jdk` may be one.
  const jdk = text.startsWith('/') || /^[a-z]:\//i.test(text) ? last((s) => /^(?:jdk|jre|openjdk)(?:[-_.]?\d.*)?$/i.test(s) || /^(?:java|jdk|openjdk)-\d+/i.test(s)) : -1;
  if (jdk >= 0) return from('runtime', jdk, undefined);
  const goRoot = last((s, i) => /^go(?:-[\d.]+)?$/.test(s) && segments[i + 1] === 'src' && goStandardLibrary.test(segments[i + 2] ?? ''));
  if (goRoot >= 0) return from('runtime', goRoot, undefined);
  return undefined;
}

/** Generated code in a build directory: a checkout without a build does not contain it. */
export function isBuildOutput(segments: readonly string[]): boolean {
  const name = segments[segments.length - 1] ?? '';
  if (!/\.(?:js|mjs|cjs|class|pyc|dll)$/i.test(name)) return false;
  return segments.slice(0, -1).some((s) => /^(?:dist|build|out|target|bin|obj|\.next|\.nuxt|\.output)$/.test(s));
}

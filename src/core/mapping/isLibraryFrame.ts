import type { StackLanguage } from './stackFrame';

// Paths of dependencies and runtimes, per language. Forward slashes: callers pass paths with
// backslashes folded. These decide only the order frames are tried in, never whether they map.
const libraryPaths: Record<StackLanguage, RegExp> = {
  v8: /(?:^|\/)node_modules\/|^node:|^internal\/|^<anonymous>$|^native$|^(?:evalmachine|wasm:)/,
  python: /\/(?:site-packages|dist-packages)\/|\/lib\/python\d+(?:\.\d+)?\/|^<frozen |^<string>$|^<stdin>$/,
  java: /^$/,
  dotnet: /^$/,
  go: /\/go\/src\/(?:runtime|net|internal|sync|syscall|reflect|os)\/|\/usr\/local\/go\/src\/|\/pkg\/mod\/|\/vendor\//,
  ruby: /\/gems\/|\/lib\/ruby\/\d|^<internal:|\/rubygems\//,
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
      return fn !== undefined && dotnetLibraryMethods.test(fn);
    case 'go':
      return (fn !== undefined && goRuntimeFunctions.test(fn)) || (path !== undefined && libraryPaths.go.test(path));
    default:
      return path === undefined || libraryPaths[language].test(path);
  }
}

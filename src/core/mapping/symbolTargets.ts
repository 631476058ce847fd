import type { DeclarationQuery } from './findDeclaration';

/** A source path (relative, `/`-separated) a symbol's namespace points at, for resolveWorkspacePath. */
export interface SymbolPath {
  readonly path: string;
  /** Fewest trailing segments a suffix match must share (the whole package path for the JVM). */
  readonly minimumSuffixSegments: number;
}

/** One reading of a qualified name: where its source should be and what to look for there. */
export interface SymbolTarget extends DeclarationQuery {
  readonly runtime: 'jvm' | 'dotnet' | 'go' | 'python' | 'ruby';
  readonly paths: readonly SymbolPath[];
  /** Go: the package's import path, whose last directories hold its files. */
  readonly directory?: readonly string[];
}

/**
 * The readings of a function named by a span (`code.function.name`, or `code.namespace` joined
 * with `code.function`), for the runtime `telemetry.sdk.language` names or, without it, every runtime
 * the name's shape allows (a dotted name may be Java, C# or Python): namespace → files, and the
 * enclosing types and method to confirm in them. Runtime-generated names lead to the method that
 * holds the code: `lambda$main$0` and `pay$lambda$1` to `main` and `pay`, `<Main>b__0_0` and an
 * async state machine's `MoveNext` to `Main`, Go's `foo.func5` to `foo`.
 */
export function symbolTargets(qualified: string, sdkLanguage: string | undefined): SymbolTarget[] {
  switch (sdkLanguage) {
    case 'java':
      return list(jvmTarget(qualified));
    case 'dotnet':
      return list(dotnetTarget(qualified));
    case 'go':
      return list(goTarget(qualified));
    case 'python':
      return pythonTargets(qualified);
    case 'ruby':
      return list(rubyTarget(qualified));
    default:
      if (/::|#/.test(qualified)) return list(rubyTarget(qualified));
      if (/\/|\(\*|\)\./.test(qualified)) return list(goTarget(qualified));
      return [...list(jvmTarget(qualified)), ...list(dotnetTarget(qualified)), ...pythonTargets(qualified)];
  }
}

function list<T>(value: T | undefined): T[] {
  return value === undefined ? [] : [value];
}

const identifier = /^[A-Za-z_][\w]*$/;

/** `com.shop.Checkout$Inner.lambda$pay$0`, `com.shop.CheckoutKt.main`, `com.shop.Main$$Lambda/0x….run`. */
function jvmTarget(qualified: string): SymbolTarget | undefined {
  const hidden = /\$\$Lambda[^.]*/.test(qualified);
  const parts = qualified.replace(/\$\$Lambda[^.]*/, '').split('.');
  const method = parts.pop();
  const cls = parts.pop();
  if (method === undefined || cls === undefined || !parts.every((p) => identifier.test(p))) return undefined;
  const chain = cls.split('$').filter((s) => s !== '');
  const outer = chain[0];
  if (outer === undefined || !/^[A-Za-z_]\w*$/.test(outer)) return undefined;
  // Anonymous classes (`Main$1`) have no name in source: their methods are searched at any depth of the enclosing class.
  const anonymous = chain.some((s) => /^\d+$/.test(s));
  const containers = chain.filter((s) => !/^\d+$/.test(s));
  const member = hidden ? undefined : jvmMember(method, containers[containers.length - 1]);
  const stem = [...parts, outer].join('/');
  const segments = parts.length + 1;
  const paths: SymbolPath[] = ['java', 'kt', 'scala', 'groovy'].map((ext) => ({ path: `${stem}.${ext}`, minimumSuffixSegments: segments }));
  // Kotlin's top-level functions of Checkout.kt live in a class CheckoutKt.
  if (outer.endsWith('Kt') && outer.length > 2) paths.push({ path: `${[...parts, outer.slice(0, -2)].join('/')}.kt`, minimumSuffixSegments: segments });
  return { runtime: 'jvm', paths, containers, member, anyDepth: anonymous };
}

function jvmMember(method: string, cls: string | undefined): string | undefined {
  if (method === '<init>') return cls;
  if (method === '<clinit>' || method.startsWith('access$')) return undefined;
  // javac: lambda$enclosing$N; Kotlin: enclosing$lambda$N, enclosing$lambda-N, enclosing$1.
  const javac = /^lambda\$(.+?)\$\d+$/.exec(method);
  if (javac?.[1] !== undefined) return javac[1];
  const kotlin = /^(.+?)\$(?:lambda[-$]?\d*|\d+)/.exec(method);
  if (kotlin?.[1] !== undefined) return kotlin[1];
  return method;
}

/** `Shop.Orders.Checkout.Pay`, `Shop.Program+Inner.Run`, `Shop.Program+<Main>d__5.MoveNext`, `Shop.Repo`1.Get`. */
function dotnetTarget(qualified: string): SymbolTarget | undefined {
  // Constructors are `.ctor` and `.cctor`, whose dot is not a separator.
  const ctor = /\.(\.c?ctor)$/.exec(qualified);
  const parts = (ctor ? qualified.slice(0, ctor.index) : qualified).split('.');
  let method = ctor ? ctor[1] : parts.pop();
  const cls = parts.pop();
  if (method === undefined || cls === undefined) return undefined;
  let chain = cls.split('+').map((s) => s.replace(/`\d+$/, ''));
  // The compiler's async state machine and closure classes are named after the method they came from.
  const generated = /^<(\w+)>\w__/.exec(chain[chain.length - 1] ?? '');
  if (generated?.[1] !== undefined) {
    chain = chain.slice(0, -1);
    method = generated[1];
  } else if (/^<>c/.test(chain[chain.length - 1] ?? '')) {
    chain = chain.slice(0, -1);
  }
  // Stack traces print a nested type with a dot (`Program.<Main>d__0.MoveNext`), not `+`.
  const enclosing = chain.length === 0 ? parts.pop() : undefined;
  if (enclosing !== undefined) chain = [enclosing.replace(/`\d+$/, '')];
  const lambda = /^<(\w+)>b__/.exec(method);
  if (lambda?.[1] !== undefined) method = lambda[1];
  const outer = chain[0];
  if (outer === undefined || !identifier.test(outer) || !chain.every((c) => identifier.test(c))) return undefined;
  const member = method === '.ctor' ? chain[chain.length - 1] : method === '.cctor' ? undefined : method;
  if (member !== undefined && !identifier.test(member)) return undefined;
  // C# files are named after their class, but folders need not follow the namespace: the longest suffix wins, the search confirms.
  return { runtime: 'dotnet', paths: [{ path: [...parts, `${outer}.cs`].join('/'), minimumSuffixSegments: 1 }], containers: chain, member };
}

/** `github.com/x/repo/pkg.(*T).M`, `github.com/x/repo/pkg.T.M`, `github.com/x/repo/pkg.foo.func5`. */
function goTarget(qualified: string): SymbolTarget | undefined {
  const slash = qualified.lastIndexOf('/');
  const dot = qualified.indexOf('.', slash + 1);
  if (dot < 0) return undefined;
  const packagePath = qualified.slice(0, dot);
  // Type parameters print as `[...]`: `prepare[...].func1`, `(*List[...]).Push`.
  const rest = qualified
    .slice(dot + 1)
    .replace(/-fm$/, '')
    .replace(/\[[^\]]*\]/g, '');
  // Major-version suffixes (`/v2`) name a module, not a directory.
  const directory = packagePath.split('/').filter((s, i, all) => s !== '' && !(i === all.length - 1 && /^v\d+$/.test(s) && all.length > 1));
  if (directory.length === 0 || directory[directory.length - 1] === 'main') return undefined;
  const receiver = /^\(\*?(\w+)\)\.(\w+)/.exec(rest);
  if (receiver?.[1] !== undefined && receiver[2] !== undefined) return { runtime: 'go', paths: [], directory, containers: [receiver[1]], member: receiver[2] };
  const names = rest.split('.');
  const first = names[0];
  const second = names[1];
  if (first === undefined || !identifier.test(first)) return undefined;
  // `T.M` is a method with a value receiver; `foo.func5` (and `foo.func5.1`) a closure inside foo.
  if (second !== undefined && identifier.test(second) && !/^func\d+$/.test(second)) return { runtime: 'go', paths: [], directory, containers: [first], member: second };
  return { runtime: 'go', paths: [], directory, containers: [], member: first };
}

/**
 * `shop.orders.checkout.Checkout.pay` or `shop.orders.checkout.pay`: where the module ends is not
 * written down, so each split is a reading, the longest module first; `<locals>` names a function
 * inside a function.
 */
function pythonTargets(qualified: string): SymbolTarget[] {
  const parts = qualified.split('.').filter((p) => p !== '<locals>');
  if (parts.length < 2 || !parts.every((p) => identifier.test(p) || p === '<module>')) return [];
  if (parts[parts.length - 1] === '<module>') {
    const module = parts.slice(0, -1);
    return [{ runtime: 'python', paths: modulePaths(module), containers: [], member: undefined }];
  }
  const targets: SymbolTarget[] = [];
  for (let split = parts.length - 1; split >= 1 && parts.length - split <= 3; split--) {
    const module = parts.slice(0, split);
    if (module[0] === '__main__') continue;
    const inner = parts.slice(split);
    targets.push({ runtime: 'python', paths: modulePaths(module), containers: inner.slice(0, -1), member: inner[inner.length - 1] });
  }
  return targets;
}

function modulePaths(module: readonly string[]): SymbolPath[] {
  return [
    { path: `${module.join('/')}.py`, minimumSuffixSegments: module.length },
    { path: `${module.join('/')}/__init__.py`, minimumSuffixSegments: module.length + 1 },
  ];
}

/** `Shop::Checkout#pay`, `Shop::Checkout.pay`, `Shop::Checkout::pay`: `shop/checkout.rb`, as Zeitwerk and Rails lay it out. */
function rubyTarget(qualified: string): SymbolTarget | undefined {
  const match = /^(.*?)(?:#|\.|::)([\w]+[?!=]?)$/.exec(qualified);
  if (!match?.[1] || match[2] === undefined) return undefined;
  const containers = match[1].split('::').filter((s) => s !== '');
  if (containers.length === 0 || !containers.every((c) => /^[A-Z]\w*$/.test(c))) return undefined;
  const files = containers.map(snakeCase);
  return { runtime: 'ruby', paths: [{ path: `${files.join('/')}.rb`, minimumSuffixSegments: 1 }], containers, member: match[2] };
}

function snakeCase(name: string): string {
  return name
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/([a-z\d])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

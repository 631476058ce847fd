/** Languages whose declarations the text search knows. */
export type SourceLanguage = 'java' | 'kotlin' | 'scala' | 'groovy' | 'csharp' | 'go' | 'python' | 'ruby';

/** What to look for in one file, as derived from a qualified name by symbolTargets. */
export interface DeclarationQuery {
  /**
   * Enclosing types, outermost first (`Outer`, `Inner`); Go: the receiver type; Python may name
   * an enclosing function (`<locals>`). Empty for a top-level function.
   */
  readonly containers: readonly string[];
  /** The method or function; undefined to land on the innermost container itself. */
  readonly member: string | undefined;
  /** The member may be nested deeper than a direct member (anonymous classes). */
  readonly anyDepth?: boolean;
}

/** A declaration's name, 1-based. */
export interface Declaration {
  readonly line: number;
  readonly column: number;
}

const extensions: Readonly<Record<string, SourceLanguage>> = {
  java: 'java',
  kt: 'kotlin',
  kts: 'kotlin',
  scala: 'scala',
  groovy: 'groovy',
  cs: 'csharp',
  go: 'go',
  py: 'python',
  rb: 'ruby',
};

export function languageOfFile(path: string): SourceLanguage | undefined {
  const dot = path.lastIndexOf('.');
  return dot < 0 ? undefined : extensions[path.slice(dot + 1).toLowerCase()];
}

/**
 * The declarations of `query` in a source file, in file order (overloads give several). A text
 * search, not a parser: comments and string literals are blanked first so that a commented-out
 * method or a docstring is not taken for code, then types are found by their keyword and their
 * body (braces, or indentation for Python and Ruby), and the member only directly inside the
 * innermost one, so a same-named method of another class in the file does not count.
 */
export function findDeclarations(text: string, language: SourceLanguage, query: DeclarationQuery): Declaration[] {
  switch (language) {
    case 'python':
    case 'ruby':
      return findIndented(blank(text, language), language, query);
    case 'go':
      return findGo(blank(text, language), query);
    default:
      return findBraced(blank(text, language), language, query);
  }
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// ---- comments and strings ------------------------------------------------------------------

/** The text with comments and string contents replaced by spaces; line breaks and offsets kept. */
function blank(text: string, language: SourceLanguage): string {
  const out = text.split('');
  const hashComments = language === 'python' || language === 'ruby';
  const slashComments = !hashComments;
  const tripleQuotes = language === 'python' || language === 'kotlin' || language === 'scala' || language === 'groovy' || language === 'java';
  const wipe = (from: number, to: number): void => {
    for (let k = from; k < to && k < out.length; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (slashComments && c === '/' && next === '/') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      wipe(i, stop);
      i = stop;
    } else if (slashComments && c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      wipe(i, stop);
      i = stop;
    } else if (hashComments && c === '#' && !(language === 'ruby' && next === '{')) {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      wipe(i, stop);
      i = stop;
    } else if (tripleQuotes && (c === '"' || c === "'") && text.startsWith(c.repeat(3), i)) {
      const end = text.indexOf(c.repeat(3), i + 3);
      const stop = end < 0 ? text.length : end + 3;
      wipe(i + 3, stop - 3);
      i = stop;
    } else if (c === '"' || (c === "'" && language !== 'scala') || (c === '`' && language === 'go')) {
      // A Java char literal and a Python string end alike; a backquoted Go string has no escapes.
      let j = i + 1;
      while (j < text.length && text[j] !== c && !(text[j] === '\n' && c !== '`')) j += text[j] === '\\' && c !== '`' ? 2 : 1;
      wipe(i + 1, j);
      i = j + 1;
    } else {
      i++;
    }
  }
  return out.join('');
}

// ---- brace languages -----------------------------------------------------------------------

const typeKeyword = '(?:class|interface|enum|record|struct|object|trait)';
const notADeclaration = /\b(?:return|new|throw|else|await|yield|case|goto)\s*$/;

interface Body {
  /** Offset of `{` and of its matching `}`. */
  readonly open: number;
  readonly close: number;
  /** Brace depth inside the body. */
  readonly depth: number;
}

function findBraced(code: string, language: SourceLanguage, query: DeclarationQuery): Declaration[] {
  const depths = braceDepths(code);
  const lines = lineStarts(code);
  let scopes: { body: Body | undefined; at: number | undefined }[] = [{ body: undefined, at: undefined }];
  for (const [index, name] of query.containers.entries()) {
    const next: { body: Body | undefined; at: number | undefined }[] = [];
    for (const scope of scopes) {
      for (const found of typesNamed(code, depths, name, scope.body, index === 0)) next.push(found);
    }
    scopes = next;
    if (scopes.length === 0) break;
  }
  // Kotlin compiles top-level functions of Checkout.kt into a class CheckoutKt that the source never names.
  if (scopes.length === 0 && language === 'kotlin' && query.containers.length === 1 && query.containers[0]?.endsWith('Kt') === true) {
    scopes = [{ body: undefined, at: undefined }];
  }
  const found: number[] = [];
  for (const scope of scopes) {
    if (query.member === undefined) {
      if (scope.at !== undefined) found.push(scope.at);
      continue;
    }
    found.push(...membersNamed(code, depths, language, query.member, scope.body, query.anyDepth === true, query.containers[query.containers.length - 1]));
  }
  return [...new Set(found)].sort((a, b) => a - b).map((offset) => position(lines, offset));
}

/** For each offset, the number of `{` open before it. */
function braceDepths(code: string): Int32Array {
  const depths = new Int32Array(code.length + 1);
  let depth = 0;
  for (let i = 0; i < code.length; i++) {
    depths[i] = depth;
    if (code[i] === '{') depth++;
    else if (code[i] === '}') depth = Math.max(0, depth - 1);
  }
  depths[code.length] = depth;
  return depths;
}

function bodyFrom(code: string, depths: Int32Array, from: number): Body | undefined {
  // The body starts at the first `{` after the name that is not inside parentheses of a primary constructor.
  let parens = 0;
  for (let i = from; i < code.length; i++) {
    const c = code[i];
    if (c === '(') parens++;
    else if (c === ')') parens--;
    else if (c === ';' && parens === 0) return undefined;
    else if (c === '{' && parens <= 0) {
      const inside = (depths[i] ?? 0) + 1;
      for (let j = i + 1; j < code.length; j++) if (code[j] === '}' && depths[j] === inside) return { open: i, close: j, depth: inside };
      return { open: i, close: code.length, depth: inside };
    }
  }
  return undefined;
}

function typesNamed(code: string, depths: Int32Array, name: string, within: Body | undefined, outermost: boolean): { body: Body | undefined; at: number }[] {
  const pattern = name === 'Companion' ? /\bcompanion\s+object\b(?:\s+Companion\b)?/g : new RegExp(`\\b${typeKeyword}\\s+(${escapeRegExp(name)})\\b`, 'g');
  const found: { body: Body | undefined; at: number }[] = [];
  const from = within?.open ?? 0;
  const to = within?.close ?? code.length;
  pattern.lastIndex = from;
  for (let m = pattern.exec(code); m && m.index < to; m = pattern.exec(code)) {
    const depth = depths[m.index] ?? 0;
    // The outermost type may sit in a namespace block; an inner one is a direct member of its outer type.
    if (within ? depth !== within.depth : !outermost) continue;
    const at = m.index + (m[0].length - (m[1]?.length ?? 0));
    found.push({ body: bodyFrom(code, depths, m.index + m[0].length), at: m[1] === undefined ? m.index : at });
  }
  return found;
}

function membersNamed(code: string, depths: Int32Array, language: SourceLanguage, member: string, within: Body | undefined, anyDepth: boolean, typeName: string | undefined): number[] {
  const name = escapeRegExp(member);
  const pattern =
    language === 'kotlin'
      ? new RegExp(`\\bfun\\s+(?:<[^>]*>\\s*)?(?:[\\w.<>?, ]+\\.)?(${name})\\s*[(<]`, 'g')
      : language === 'scala'
        ? new RegExp(`\\bdef\\s+(${name})\\b`, 'g')
        : new RegExp(`\\b(${name})\\s*(?:<[^<>()]*>\\s*)?\\(`, 'g');
  const depth = within?.depth ?? 0;
  const from = within?.open ?? 0;
  const to = within?.close ?? code.length;
  const found: number[] = [];
  pattern.lastIndex = from;
  for (let m = pattern.exec(code); m && m.index < to; m = pattern.exec(code)) {
    const at = m.index + m[0].indexOf(m[1] ?? '');
    const here = depths[at] ?? 0;
    if (anyDepth ? here < depth : here !== depth) continue;
    if (language === 'kotlin' || language === 'scala' || isCallableDeclaration(code, at, member === typeName)) found.push(at);
  }
  return found;
}

/**
 * Java, C# and Groovy declare a method as a type (or `void`, `def`) then the name; a call has a
 * `.`, `=`, `return` or an operator before it. A constructor has only modifiers before its name.
 */
function isCallableDeclaration(code: string, at: number, constructor: boolean): boolean {
  const lineStart = code.lastIndexOf('\n', at - 1) + 1;
  const before = code.slice(lineStart, at);
  if (/[=.!&|+\-*/%?:,(]\s*$/.test(before) || before.includes('=') || notADeclaration.test(before)) return false;
  if (constructor) return true;
  return /[\w>\]?]\s+$/.test(before);
}

// ---- Go --------------------------------------------------------------------------------------

function findGo(code: string, query: DeclarationQuery): Declaration[] {
  const lines = lineStarts(code);
  if (query.member === undefined) return [];
  const name = escapeRegExp(query.member);
  const receiver = query.containers[query.containers.length - 1];
  const pattern =
    receiver === undefined
      ? new RegExp(`^func\\s+(${name})\\s*[([]`, 'gm')
      : new RegExp(`^func\\s*\\(\\s*(?:\\w+\\s+)?\\*?\\s*${escapeRegExp(receiver)}(?:\\[[^\\]]*\\])?\\s*\\)\\s*(${name})\\s*[([]`, 'gm');
  const found: Declaration[] = [];
  for (let m = pattern.exec(code); m; m = pattern.exec(code)) {
    found.push(position(lines, m.index + m[0].lastIndexOf(m[1] ?? '')));
  }
  return found;
}

// ---- Python and Ruby: blocks by indentation -------------------------------------------------------

interface Block {
  readonly from: number;
  readonly to: number;
  /** Indentation of the line that opens the block. */
  readonly indent: number;
}

function findIndented(code: string, language: 'python' | 'ruby', query: DeclarationQuery): Declaration[] {
  const lines = code.split('\n');
  const indentOf = (line: string): number => line.length - line.trimStart().length;
  const blockOf = (index: number): Block => {
    const indent = indentOf(lines[index] ?? '');
    let end = index + 1;
    while (end < lines.length) {
      const line = lines[end] ?? '';
      if (line.trim() !== '' && indentOf(line) <= indent) break;
      end++;
    }
    return { from: index + 1, to: end, indent };
  };
  const containerPattern = (name: string): RegExp =>
    language === 'python' ? new RegExp(`^\\s*(?:class|(?:async\\s+)?def)\\s+(${escapeRegExp(name)})\\b`) : new RegExp(`^\\s*(?:class|module)\\s+(?:[\\w:]*::)?(${escapeRegExp(name)})\\b`);

  let scopes: { block: Block; at: Declaration | undefined }[] = [{ block: { from: 0, to: lines.length, indent: -1 }, at: undefined }];
  // Ruby writes `class A::B` as readily as `module A` around `class B`: only the innermost name must be found.
  const containers = language === 'ruby' ? query.containers.slice(-1) : query.containers;
  for (const name of containers) {
    const pattern = containerPattern(name);
    const next: { block: Block; at: Declaration | undefined }[] = [];
    for (const scope of scopes) {
      const direct = directIndent(lines, scope.block, indentOf);
      for (let i = scope.block.from; i < scope.block.to; i++) {
        const line = lines[i] ?? '';
        const m = pattern.exec(line);
        if (!m || (language === 'python' && indentOf(line) !== direct)) continue;
        next.push({ block: blockOf(i), at: { line: i + 1, column: line.indexOf(m[1] ?? '', indentOf(line)) + 1 } });
      }
    }
    scopes = next;
  }
  const found: Declaration[] = [];
  for (const scope of scopes) {
    if (query.member === undefined) {
      if (scope.at) found.push(scope.at);
      continue;
    }
    const name = escapeRegExp(query.member);
    const pattern = language === 'python' ? new RegExp(`^\\s*(?:async\\s+)?def\\s+(${name})\\s*[([]`) : new RegExp(`^\\s*def\\s+(?:self\\.)?(${name})(?=[\\s(;]|$)`);
    const direct = directIndent(lines, scope.block, indentOf);
    for (let i = scope.block.from; i < scope.block.to; i++) {
      const line = lines[i] ?? '';
      const m = pattern.exec(line);
      // Ruby's `class << self` nests singleton methods one level deeper.
      if (!m || (language === 'python' && query.anyDepth !== true && indentOf(line) !== direct)) continue;
      found.push({ line: i + 1, column: line.indexOf(m[1] ?? '', indentOf(line)) + 1 });
    }
  }
  return found;
}

/** The indentation of a block's direct children: that of its first non-blank line. */
function directIndent(lines: readonly string[], block: Block, indentOf: (line: string) => number): number {
  for (let i = block.from; i < block.to; i++) {
    const line = lines[i] ?? '';
    if (line.trim() !== '') return indentOf(line);
  }
  return 0;
}

// ---- offsets -------------------------------------------------------------------------------------

function lineStarts(code: string): number[] {
  const starts = [0];
  for (let i = 0; i < code.length; i++) if (code[i] === '\n') starts.push(i + 1);
  return starts;
}

function position(starts: readonly number[], offset: number): Declaration {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) low = mid;
    else high = mid - 1;
  }
  return { line: low + 1, column: offset - (starts[low] ?? 0) + 1 };
}

/**
 * A TraceQL syntax check for the Tempo replay server, so a query SpanLens builds is refused
 * the way Tempo's parser refuses it (grafana/tempo pkg/traceql: a goyacc grammar over a
 * text/scanner lexer). Errors read as Tempo's do — `parse error at line 1, col 12: syntax
 * error: unexpected IDENTIFIER` — with the column of the offending token's first character
 * (1-based, as text/scanner counts). It covers spanset filters, structural and logical
 * spanset operators, arithmetic, scoped and unscoped attributes, intrinsics, and the
 * select/by/coalesce/aggregate pipeline stages; metrics functions are not search queries and
 * are refused like any unknown name.
 */

type Kind = 'IDENTIFIER' | 'ATTRIBUTE' | 'STRING' | 'INTEGER' | 'FLOAT' | 'DURATION' | 'OP' | '$end';

interface Token {
  readonly kind: Kind;
  readonly text: string;
  readonly col: number;
  readonly line: number;
}

class TraceqlSyntaxError extends Error {}

/** Token names as Tempo's grammar declares them, for the "unexpected X" text. */
const operatorNames: Readonly<Record<string, string>> = {
  '{': 'OPEN_BRACE',
  '}': 'CLOSE_BRACE',
  '(': 'OPEN_PARENS',
  ')': 'CLOSE_PARENS',
  ',': 'COMMA',
  '|': 'PIPE',
  '&&': 'AND',
  '||': 'OR',
  '!': 'NOT',
  '=': 'EQ',
  '!=': 'NEQ',
  '<': 'LT',
  '<=': 'LTE',
  '>': 'GT',
  '>=': 'GTE',
  '=~': 'RE',
  '!~': 'NRE',
  '+': 'ADD',
  '-': 'SUB',
  '*': 'MUL',
  '/': 'DIV',
  '%': 'MOD',
  '^': 'POW',
  '>>': 'DESC',
  '<<': 'ANCE',
  '~': 'TILDE',
  '!>': 'NOT_CHILD',
  '!<': 'NOT_PARENT',
  '!>>': 'NOT_DESC',
  '!<<': 'NOT_ANCE',
  '&>': 'UNION_CHILD',
  '&<': 'UNION_PARENT',
  '&>>': 'UNION_DESC',
  '&<<': 'UNION_ANCE',
  '&~': 'UNION_SIBLING',
};
const operators = Object.keys(operatorNames).sort((a, b) => b.length - a.length);

const scopes: ReadonlySet<string> = new Set(['span', 'resource', 'event', 'link', 'instrumentation', 'parent']);
const intrinsics: ReadonlySet<string> = new Set([
  'name',
  'status',
  'statusMessage',
  'kind',
  'duration',
  'childCount',
  'rootName',
  'rootServiceName',
  'rootService',
  'traceDuration',
  'nestedSetLeft',
  'nestedSetRight',
  'nestedSetParent',
  'span:name',
  'span:status',
  'span:statusMessage',
  'span:kind',
  'span:duration',
  'span:id',
  'span:parentID',
  'span:childCount',
  'trace:duration',
  'trace:rootName',
  'trace:rootService',
  'trace:id',
  'event:name',
  'event:timeSinceStart',
  'link:spanID',
  'link:traceID',
  'instrumentation:name',
  'instrumentation:version',
]);
const statics: ReadonlySet<string> = new Set(['true', 'false', 'nil', 'error', 'ok', 'unset', 'unspecified', 'internal', 'server', 'client', 'producer', 'consumer']);
const aggregates: ReadonlySet<string> = new Set(['count', 'avg', 'min', 'max', 'sum']);
const comparisons: ReadonlySet<string> = new Set(['=', '!=', '<', '<=', '>', '>=', '=~', '!~']);
const spansetOperators: ReadonlySet<string> = new Set(['&&', '||', '>', '>>', '<', '<<', '~', '!>', '!>>', '!<', '!<<', '!~', '&>', '&>>', '&<', '&<<', '&~']);
/** Characters that end an attribute name (text/scanner idents do not cover `http.route` or `k8s-pod`). */
const attributeEnd = /[\s{}()=~!<>&|^,+*/%"`]/;

function lex(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const at = (index: number): { col: number; line: number } => ({ col: index - lineStart + 1, line });
  const fail = (index: number, message: string): never => {
    const where = at(index);
    throw new TraceqlSyntaxError(`parse error at line ${where.line}, col ${where.col}: ${message}`);
  };
  /** A quoted literal from `start` (its opening quote); returns the index after the closing one. */
  const quoted = (start: number): number => {
    const quote = query[start];
    let j = start + 1;
    for (;;) {
      const c = query[j];
      if (c === undefined || (quote === '"' && (c === '\n' || c === '\r'))) fail(start, 'literal not terminated');
      if (c === quote) return j + 1;
      if (quote === '"' && c === '\\') {
        const next = query[j + 1] ?? '';
        if (!/[abfnrtv\\'"xuU0-7]/.test(next)) fail(j, `invalid syntax: unknown escape \\${next}`);
        j += 2;
        continue;
      }
      j++;
    }
  };
  const attributeName = (start: number): number => {
    if (query[start] === '"') return quoted(start);
    let j = start;
    while (j < query.length && !attributeEnd.test(query[j] ?? '')) j++;
    if (j === start) fail(start, 'syntax error: unexpected END_ATTRIBUTE');
    return j;
  };
  while (i < query.length) {
    const c = query[i] ?? '';
    if (c === '\n') {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    const push = (kind: Kind, end: number): void => {
      tokens.push({ kind, text: query.slice(start, end), ...at(start) });
      i = end;
    };
    if (c === '"' || c === '`') {
      push('STRING', quoted(i));
      continue;
    }
    if (/[0-9]/.test(c)) {
      const number = /^\d+(\.\d+)?/.exec(query.slice(i))?.[0] ?? c;
      const duration = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+/.exec(query.slice(i))?.[0];
      if (duration !== undefined) push('DURATION', i + duration.length);
      else push(number.includes('.') ? 'FLOAT' : 'INTEGER', i + number.length);
      continue;
    }
    if (c === '.' && !/[0-9]/.test(query[i + 1] ?? '')) {
      push('ATTRIBUTE', attributeName(i + 1));
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (/[A-Za-z0-9_]/.test(query[j] ?? '')) j++;
      const word = query.slice(i, j);
      if (query[j] === ':' && /[A-Za-z]/.test(query[j + 1] ?? '')) {
        let k = j + 1;
        while (/[A-Za-z0-9_]/.test(query[k] ?? '')) k++;
        push('IDENTIFIER', k);
        continue;
      }
      if (scopes.has(word) && query[j] === '.') {
        push('ATTRIBUTE', attributeName(j + 1));
        continue;
      }
      push('IDENTIFIER', j);
      continue;
    }
    const op = operators.find((candidate) => query.startsWith(candidate, i));
    if (op === undefined) fail(i, `syntax error: unexpected ${JSON.stringify(c)}`);
    push('OP', i + (op ?? '').length);
  }
  tokens.push({ kind: '$end', text: '', ...at(query.length) });
  return tokens;
}

class Parser {
  private index = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  private get token(): Token {
    return this.tokens[this.index] ?? this.tokens[this.tokens.length - 1] ?? { kind: '$end', text: '', col: 1, line: 1 };
  }

  private unexpected(): never {
    const t = this.token;
    const name = t.kind === 'OP' ? (operatorNames[t.text] ?? t.text) : t.kind === 'ATTRIBUTE' ? 'IDENTIFIER' : t.kind;
    throw new TraceqlSyntaxError(`parse error at line ${t.line}, col ${t.col}: syntax error: unexpected ${name}`);
  }

  private isOp(text: string): boolean {
    return this.token.kind === 'OP' && this.token.text === text;
  }

  private expectOp(text: string): void {
    if (!this.isOp(text)) this.unexpected();
    this.index++;
  }

  private word(): string | undefined {
    return this.token.kind === 'IDENTIFIER' ? this.token.text : undefined;
  }

  root(): void {
    this.pipeline();
    if (this.token.kind !== '$end') this.unexpected();
  }

  private pipeline(): void {
    this.spansetExpression();
    while (this.isOp('|')) {
      this.index++;
      this.stage();
    }
  }

  private stage(): void {
    const word = this.word();
    if (word === 'select') {
      this.index++;
      this.expectOp('(');
      this.valueOperand();
      while (this.isOp(',')) {
        this.index++;
        this.valueOperand();
      }
      this.expectOp(')');
      return;
    }
    if (word === 'by') {
      this.index++;
      this.expectOp('(');
      this.fieldExpression();
      this.expectOp(')');
      return;
    }
    if (word === 'coalesce') {
      this.index++;
      this.expectOp('(');
      this.expectOp(')');
      return;
    }
    if (word !== undefined && aggregates.has(word)) {
      this.index++;
      this.expectOp('(');
      if (word !== 'count') this.fieldExpression();
      this.expectOp(')');
      if (this.token.kind !== 'OP' || !comparisons.has(this.token.text)) this.unexpected();
      this.index++;
      this.staticValue();
      return;
    }
    this.spansetExpression();
  }

  private spansetExpression(): void {
    this.spansetPrimary();
    while (this.token.kind === 'OP' && spansetOperators.has(this.token.text)) {
      this.index++;
      this.spansetPrimary();
    }
  }

  private spansetPrimary(): void {
    if (this.isOp('{')) {
      this.index++;
      if (this.isOp('}')) {
        this.index++;
        return;
      }
      this.fieldExpression();
      this.expectOp('}');
      return;
    }
    if (this.isOp('(')) {
      this.index++;
      this.pipeline();
      this.expectOp(')');
      return;
    }
    this.unexpected();
  }

  private fieldExpression(): void {
    this.andExpression();
    while (this.isOp('||')) {
      this.index++;
      this.andExpression();
    }
  }

  private andExpression(): void {
    this.comparison();
    while (this.isOp('&&')) {
      this.index++;
      this.comparison();
    }
  }

  private comparison(): void {
    this.additive();
    if (this.token.kind === 'OP' && comparisons.has(this.token.text)) {
      this.index++;
      this.additive();
    }
  }

  private additive(): void {
    this.multiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      this.index++;
      this.multiplicative();
    }
  }

  private multiplicative(): void {
    this.power();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      this.index++;
      this.power();
    }
  }

  private power(): void {
    this.unary();
    while (this.isOp('^')) {
      this.index++;
      this.unary();
    }
  }

  private unary(): void {
    if (this.isOp('!') || this.isOp('-')) {
      this.index++;
      this.unary();
      return;
    }
    if (this.isOp('(')) {
      this.index++;
      this.fieldExpression();
      this.expectOp(')');
      return;
    }
    this.valueOperand();
  }

  /** An attribute, an intrinsic or a static value. */
  private valueOperand(): void {
    const t = this.token;
    if (t.kind === 'ATTRIBUTE' || t.kind === 'STRING' || t.kind === 'INTEGER' || t.kind === 'FLOAT' || t.kind === 'DURATION') {
      this.index++;
      return;
    }
    if (t.kind === 'IDENTIFIER' && (intrinsics.has(t.text) || statics.has(t.text))) {
      this.index++;
      return;
    }
    this.unexpected();
  }

  private staticValue(): void {
    if (this.isOp('-')) this.index++;
    const t = this.token;
    if (t.kind === 'STRING' || t.kind === 'INTEGER' || t.kind === 'FLOAT' || t.kind === 'DURATION' || (t.kind === 'IDENTIFIER' && statics.has(t.text))) {
      this.index++;
      return;
    }
    this.unexpected();
  }
}

/** Tempo's parse error for a query, or undefined when Tempo would accept its syntax. */
export function traceqlProblem(query: string): string | undefined {
  try {
    new Parser(lex(query)).root();
    return undefined;
  } catch (error: unknown) {
    if (error instanceof TraceqlSyntaxError) return error.message;
    throw error;
  }
}

/**
 * Splits the elements of one array inside a JSON document that arrives in chunks, so a trace file
 * larger than a JavaScript string can hold is never read into one string: each element (an OTLP
 * `resourceSpans` entry, say) is cut out as bytes and handed over on its own, for `JSON.parse`.
 *
 * Hand-written rather than a streaming JSON library: it only tracks strings, nesting and the
 * few object keys on the way to the array, and leaves the real parsing to the native
 * `JSON.parse`, which keeps large files at native parsing speed (see `npm run bench`).
 */

const quote = 0x22;
const backslash = 0x5c;
const openBrace = 0x7b;
const closeBrace = 0x7d;
const openBracket = 0x5b;
const closeBracket = 0x5d;
const colon = 0x3a;
const comma = 0x2c;

/**
 * Key paths from the top-level object down to the wanted container, e.g. ['result', 'resourceSpans'].
 * `*` stands for any key or array index: ['data', '*', 'spans'] is the spans of every trace of a
 * Jaeger v1 response, so that one trace of 50 MB is still handed over span by span.
 */
export type JsonPath = readonly string[];

export interface SplitElement {
  /** The path (one of those asked for) whose container holds the element. */
  readonly path: JsonPath;
  /** Where that container is, with `*` resolved: ['data', 2, 'spans'] for the third trace's spans. */
  readonly at: readonly (string | number)[];
  /** The element's key when the container is an object (see `objectPaths`). */
  readonly key: string | undefined;
  readonly bytes: Buffer;
  /** Offset of the element in the whole document, for error messages. */
  readonly offset: number;
}

export class JsonArraySplitter {
  /** Deepest container whose keys or indices are tracked: a key names the member about to open. */
  private readonly maxKeyDepth: number;
  private readonly maxPathDepth: number;
  private readonly keys: (string | undefined)[] = [];
  /** Index of the current element of each array container (objects: unused), for `at`. */
  private readonly indices: number[] = [];
  private readonly containers: number[] = [];
  private expectKey = false;
  private inString = false;
  private escaped = false;
  private capturingKey: number[] | undefined;
  private targetDepth = -1;
  private targetPath: JsonPath | undefined;
  private targetAt: readonly (string | number)[] = [];
  private elementParts: Buffer[] = [];
  private elementStart = -1;
  private elementOffset = 0;
  private consumed = 0;
  private matchedAny = false;
  private documentCount = 0;

  constructor(
    private readonly paths: readonly JsonPath[],
    private readonly onElement: (element: SplitElement) => void,
    /** Largest element accepted; beyond it the element could not become one string anyway. */
    private readonly maxElementBytes = 256 * 1024 * 1024,
    /**
     * Paths to objects whose member values are the elements (Jaeger's `processes` by id). Only an
     * object matches these and only an array matches `paths`: a value of the other kind stays in
     * the document, where the whole-document decoder reports it as it always did.
     */
    private readonly objectPaths: readonly JsonPath[] = [],
  ) {
    this.maxPathDepth = Math.max(0, ...paths.map((p) => p.length), ...objectPaths.map((p) => p.length));
    this.maxKeyDepth = Math.max(this.maxPathDepth, ...objectPaths.map((p) => p.length + 1));
  }

  /** Whether any wanted array was found so far. */
  get found(): boolean {
    return this.matchedAny;
  }

  /** Complete top-level values so far: more than one means JSON lines (or concatenated JSON). */
  get documents(): number {
    return this.documentCount;
  }

  /** Whether the input so far ends inside a value. */
  get incomplete(): boolean {
    return this.containers.length > 0 || this.inString;
  }

  push(chunk: Buffer): void {
    const inElement = (): boolean => this.targetDepth >= 0 && this.containers.length > this.targetDepth + 1;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] as number;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (byte === backslash) this.escaped = true;
        else if (byte === quote) {
          this.inString = false;
          if (this.capturingKey) {
            this.keys[this.containers.length - 1] = Buffer.from(this.capturingKey).toString('utf8');
            this.capturingKey = undefined;
          }
        }
        if (this.capturingKey && this.inString) this.capturingKey.push(byte);
        continue;
      }
      switch (byte) {
        case quote:
          this.inString = true;
          if (this.expectKey && this.containers.length <= this.maxKeyDepth && !inElement()) this.capturingKey = [];
          this.expectKey = false;
          break;
        case openBrace:
        case openBracket:
          if (this.targetDepth >= 0 && this.containers.length === this.targetDepth + 1 && this.elementStart < 0 && this.elementParts.length === 0) {
            this.elementStart = i;
            this.elementOffset = this.consumed + i;
          }
          if (this.targetDepth < 0 && this.containers.length <= this.maxPathDepth) this.checkTarget(byte === openBracket ? this.paths : this.objectPaths);
          this.containers.push(byte);
          this.keys.push(undefined);
          this.indices.push(0);
          this.expectKey = byte === openBrace;
          break;
        case closeBrace:
        case closeBracket:
          this.containers.pop();
          this.keys.pop();
          this.indices.pop();
          this.expectKey = false;
          if (this.containers.length === 0) this.documentCount++;
          if (this.targetDepth >= 0 && this.containers.length === this.targetDepth + 1 && (this.elementStart >= 0 || this.elementParts.length > 0)) {
            this.emit(chunk, i + 1);
          } else if (this.targetDepth >= 0 && this.containers.length === this.targetDepth) {
            this.targetDepth = -1;
            this.targetPath = undefined;
          }
          break;
        case comma: {
          const depth = this.containers.length;
          this.expectKey = this.containers[depth - 1] === openBrace;
          if (!this.expectKey && depth <= this.maxPathDepth) (this.indices[depth - 1] as number)++;
          break;
        }
        case colon:
          this.expectKey = false;
          break;
        default:
          break;
      }
    }
    if (this.elementStart >= 0) {
      this.elementParts.push(chunk.subarray(this.elementStart));
      this.elementStart = 0;
      this.checkSize();
    } else if (this.elementParts.length > 0) {
      this.elementParts.push(chunk);
      this.checkSize();
    }
    if (this.elementStart === 0) this.elementStart = -1;
    this.consumed += chunk.length;
  }

  /** Throws when the document ended inside a value. */
  finish(): void {
    if (this.incomplete) {
      throw new Error(`the JSON ends inside ${this.inString ? 'a string' : `${this.containers.length} open bracket${this.containers.length === 1 ? '' : 's'}`} after ${this.consumed} bytes`);
    }
  }

  private checkTarget(paths: readonly JsonPath[]): void {
    const depth = this.containers.length;
    for (const path of paths) {
      if (path.length !== depth) continue;
      if (path.every((key, index) => key === '*' || this.keys[index] === key)) {
        this.targetDepth = depth;
        this.targetPath = path;
        this.targetAt = path.map((key, index) => (this.containers[index] === openBrace ? (this.keys[index] ?? key) : (this.indices[index] as number)));
        this.matchedAny = true;
        return;
      }
    }
  }

  private checkSize(): void {
    const size = this.elementParts.reduce((sum, part) => sum + part.length, 0);
    if (size > this.maxElementBytes) {
      throw new Error(`one element of ${this.targetPath?.join('.') ?? 'the array'} at byte ${this.elementOffset} is larger than ${this.maxElementBytes} bytes`);
    }
  }

  private emit(chunk: Buffer, end: number): void {
    const start = this.elementStart >= 0 ? this.elementStart : 0;
    const tail = chunk.subarray(start, end);
    const bytes = this.elementParts.length === 0 ? tail : Buffer.concat([...this.elementParts, tail]);
    this.elementParts = [];
    this.elementStart = -1;
    const key = this.containers[this.targetDepth] === openBrace ? this.keys[this.targetDepth] : undefined;
    this.onElement({ path: this.targetPath ?? [], at: this.targetAt, key, bytes, offset: this.elementOffset });
  }
}

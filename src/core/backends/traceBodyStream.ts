import { parseJsonOrFail } from '../formats/decodeTraceBytes';
import { JsonArraySplitter, type JsonPath, type SplitElement } from '../formats/jsonArraySplitter';
import { TraceDecodeError } from '../formats/traceFormat';
import { BackendError } from './backendError';
import { header, type BackendHttpClient, type HttpResponse, type QueryParams, type RequestOptions, type ResponseHead } from './backendHttpClient';

/** One element of a wanted array, parsed; `where` names it for error messages, `element` says where it sat. */
export type ElementHandler = (value: unknown, path: JsonPath, where: string, element: Pick<SplitElement, 'at' | 'key'>) => void;

/** What to split besides the arrays of `paths`, and a hook after each chunk's elements. */
export interface SplitOptions {
  /** Objects whose member values are elements too (see JsonArraySplitter's `objectPaths`). */
  readonly objectPaths?: readonly JsonPath[];
  /** Called once the elements a chunk completed were handled: a place to hand over a batch. */
  readonly afterChunk?: () => void;
}

/**
 * What a streamed body came to. `split`: elements went to the handler as they arrived, and
 * `skeleton` is the rest of the document with each element replaced by `0` (Tempo's `status`
 * and `message` live there). `whole`: no wanted array was found (an empty trace, an HTML
 * page, another shape), so the body was kept and the caller reads it as it always did.
 */
export type StreamedBody = { readonly kind: 'split'; readonly elements: number; readonly skeleton: unknown } | { readonly kind: 'whole'; readonly response: HttpResponse };

/** Placeholder for a cut-out element in the skeleton. */
const placeholder = Buffer.from('0');

/**
 * Splits the wanted arrays out of a JSON body while it downloads (decoding overlaps
 * the transfer). Bytes outside the elements are kept until the first element proves the shape;
 * after that only the bytes since the last element are held, plus the small skeleton.
 */
export class TraceBodyStream {
  private readonly splitter: JsonArraySplitter | undefined;
  /** Bytes not yet assigned to an element or the skeleton, starting at document offset `pendingStart`. */
  private pending: Buffer[] = [];
  private pendingStart = 0;
  private readonly skeleton: Buffer[] = [];
  private elements = 0;
  private received = 0;
  private sniffed = false;
  private split = true;

  constructor(
    private readonly http: BackendHttpClient,
    private readonly head: ResponseHead,
    paths: readonly JsonPath[],
    private readonly onElement: ElementHandler,
    private readonly options: SplitOptions = {},
  ) {
    const contentType = header(head.headers, 'content-type');
    // A login page is read whole so that its message stays what the buffered path says.
    if (contentType !== undefined && /text\/html/i.test(contentType)) this.split = false;
    this.splitter = this.split ? new JsonArraySplitter(paths, (element) => this.element(element), undefined, options.objectPaths) : undefined;
  }

  readonly write = (chunk: Buffer): void => {
    this.pending.push(chunk);
    this.received += chunk.length;
    if (!this.sniffed) {
      const first = chunk.find((byte) => byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09);
      if (first === undefined) return;
      this.sniffed = true;
      // Only an object or array can hold the arrays; anything else is left to the buffered path.
      if (first !== 0x7b && first !== 0x5b) this.split = false;
      if (this.split && this.received > chunk.length) {
        // Leading whitespace arrived alone; the splitter has to see it for its offsets.
        const earlier = this.pending.slice(0, -1);
        for (const part of earlier) this.push(part);
      }
    }
    if (this.split) {
      this.push(chunk);
      this.options.afterChunk?.();
    }
  };

  /** After the last byte: the outcome, or a BackendError for a document cut short or malformed. */
  finish(response: HttpResponse): StreamedBody {
    if (!this.split || this.elements === 0 || this.splitter === undefined) {
      return { kind: 'whole', response: { ...response, body: Buffer.concat(this.pending, this.received - this.pendingStart) } };
    }
    const path = this.head.url.pathname;
    if (this.splitter.incomplete) {
      this.http.fail({
        kind: 'undecodable',
        detail: `${path} did not return valid JSON: the response is truncated, it ends after ${this.received} bytes inside a value (${this.elements} complete elements before)`,
      });
    }
    if (this.splitter.documents > 1) this.http.fail({ kind: 'undecodable', detail: `${path} did not return valid JSON: more than one JSON document in the response` });
    const text = Buffer.concat([...this.skeleton, ...this.pending]).toString('utf8');
    try {
      return { kind: 'split', elements: this.elements, skeleton: parseJsonOrFail(text) };
    } catch (error: unknown) {
      const detail = error instanceof TraceDecodeError ? error.message : String(error);
      this.http.fail({ kind: 'undecodable', detail: this.http.redact(`${path} did not return valid JSON: ${detail}`) });
    }
  }

  private push(chunk: Buffer): void {
    try {
      this.splitter?.push(chunk);
    } catch (error: unknown) {
      if (error instanceof BackendError) throw error;
      this.http.fail({ kind: 'undecodable', detail: this.http.redact(`${this.head.url.pathname} could not be read: ${error instanceof Error ? error.message : String(error)}`) });
    }
  }

  private element(element: SplitElement): void {
    this.elements++;
    const where = `${element.at.join('.') || 'the list'}${element.key === undefined ? '' : `.${element.key}`} entry ${this.elements} (at byte ${element.offset}): `;
    let value: unknown;
    try {
      value = parseJsonOrFail(element.bytes.toString('utf8'));
    } catch (error: unknown) {
      const detail = error instanceof TraceDecodeError ? error.message : String(error);
      this.http.fail({ kind: 'undecodable', detail: this.http.redact(`${this.head.url.pathname} did not return valid JSON: ${where}${detail}`) });
    }
    this.cut(element.offset, element.offset + element.bytes.length);
    this.onElement(value, element.path, where, element);
  }

  /** Moves pending bytes before `start` to the skeleton, a placeholder for the element, and drops it. */
  private cut(start: number, end: number): void {
    let offset = this.pendingStart;
    const rest: Buffer[] = [];
    for (const part of this.pending) {
      const partEnd = offset + part.length;
      if (offset < start) this.skeleton.push(part.subarray(0, Math.min(part.length, start - offset)));
      if (partEnd > end) rest.push(part.subarray(Math.max(0, end - offset)));
      offset = partEnd;
    }
    this.skeleton.push(placeholder);
    this.pending = rest;
    this.pendingStart = end;
  }
}

/**
 * A GET whose 2xx JSON body is split into the elements of `paths` as it arrives. A non-2xx
 * answer fails as `getJson` would; `onStatus` words a status itself (404 for a trace).
 */
export async function getJsonStream(
  http: BackendHttpClient,
  path: string,
  params: QueryParams,
  paths: readonly JsonPath[],
  onElement: ElementHandler,
  options: RequestOptions & SplitOptions & { readonly onStatus?: (response: HttpResponse) => ReturnType<BackendHttpClient['failureFor']> | undefined } = {},
): Promise<StreamedBody> {
  const { response, body } = await openJsonStream(http, path, params, paths, onElement, options);
  if (body === undefined) http.fail(options.onStatus?.(response) ?? http.failureFor(response));
  return body;
}

/**
 * Like `getJsonStream`, but a non-2xx answer is returned (with `body` undefined) for the
 * caller to read: Jaeger api_v3 answers an empty search with 404 "No traces found".
 */
export async function openJsonStream(
  http: BackendHttpClient,
  path: string,
  params: QueryParams,
  paths: readonly JsonPath[],
  onElement: ElementHandler,
  options: RequestOptions & SplitOptions = {},
): Promise<{ readonly response: HttpResponse; readonly body: StreamedBody | undefined }> {
  let stream: TraceBodyStream | undefined;
  const response = await http.getStream(path, params, (head) => (stream = new TraceBodyStream(http, head, paths, onElement, options)).write, options);
  if (response.status < 200 || response.status > 299 || stream === undefined) return { response, body: undefined };
  return { response, body: stream.finish(response) };
}

/** Rebuilds the smallest document around one element that the whole-document decoders accept. */
export function wrapElement(path: JsonPath, value: unknown): unknown {
  let doc: unknown = [value];
  for (let i = path.length - 1; i >= 0; i--) doc = { [path[i] as string]: doc };
  return doc;
}

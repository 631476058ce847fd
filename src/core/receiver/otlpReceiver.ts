import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { constants as http2Constants, createServer as createHttp2Server, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TracePayloadKind } from '../store/tracePayload';
import type { TraceSink } from '../store/traceSink';
import { encodeExportResponseJson, encodeExportResponseProto, encodeGrpcMessage, encodeStatusJson, encodeStatusProto, GrpcStatus, grpcFrame } from './exportResponse';
import { InFlightBudget, type InFlightLease, type InFlightLoad } from './inFlightBudget';
import { ingestPayload, InvalidPayloadError, type IngestOutcome } from './ingestPayload';
import { isLoopbackAuthority } from './isLoopbackAuthority';
import type { LogSink } from './logSink';
import { BodyError, contentCodingOf, decompressBody, readBody, type ContentCoding } from './readBody';
import { ReceiverStartError, startFailureOf } from './receiverStartError';

export interface OtlpReceiverOptions {
  readonly sink: TraceSink;
  /** Default 127.0.0.1: telemetry of a local app must not be readable or writable from the network. */
  readonly host?: string;
  /** OTLP/HTTP port (default 4318); 0 lets the system choose, and `start()` reports the port. */
  readonly port?: number;
  /** OTLP/gRPC port (default disabled). 0 or undefined disables gRPC; 'ephemeral' lets the system choose. */
  readonly grpcPort?: number | 'ephemeral';
  /** Largest body, before and after decompression (the OTLP spec recommends 64 MiB; an editor wants less). */
  readonly maxBodyBytes?: number;
  /**
   * Request bytes being received, decoded or written at once, counted as they arrive whether or
   * not a request declares its length; beyond it requests get 429 (or UNAVAILABLE on gRPC).
   */
  readonly maxInFlightBytes?: number;
  readonly maxInFlightRequests?: number;
  /** Whole request, headers and body; a client that never finishes its body is cut off. */
  readonly requestTimeoutMs?: number;
  readonly headersTimeoutMs?: number;
  /** How long an idle keep-alive connection (or HTTP/2 session) stays open. */
  readonly idleTimeoutMs?: number;
  /** Sent as Retry-After (seconds) with 429 and 503. */
  readonly retryAfterSeconds?: number;
  /**
   * Web page origins (scheme://host[:port], matched exactly) whose requests are answered, with
   * CORS headers. Any other request that carries an Origin header, which only browsers send, is
   * refused with 403: a page the developer happens to open must not feed traces in.
   */
  readonly allowedOrigins?: readonly string[];
  /**
   * Takes the logs exported to /v1/logs and LogsService/Export. Without one, logs are
   * acknowledged, counted and dropped, so an SDK pointed at the receiver for every signal does
   * not log export errors.
   */
  readonly logSink?: LogSink;
}

export interface ReceiverAddress {
  readonly host: string;
  readonly httpPort: number;
  /** undefined when gRPC is disabled. */
  readonly grpcPort: number | undefined;
  /** For OTEL_EXPORTER_OTLP_ENDPOINT (HTTP): the base URL without /v1/traces. */
  readonly httpEndpoint: string;
  readonly grpcEndpoint: string | undefined;
}

/** Counters for the status bar and diagnostics. */
export interface ReceiverStats {
  requests: number;
  acceptedSpans: number;
  rejectedSpans: number;
  /** Requests answered 4xx/5xx or with a gRPC error. */
  failedRequests: number;
  /** Requests turned away with 429/503 (or UNAVAILABLE) under back-pressure. */
  throttledRequests: number;
  /** Log export requests acknowledged, whether handed to the log sink or dropped. */
  logRequests: number;
  /** Decompressed bytes of acknowledged log exports dropped because there is no log sink. */
  droppedLogBytes: number;
  /** Metric export requests acknowledged; the receiver keeps no metrics. */
  metricRequests: number;
  /** Decompressed bytes of the acknowledged metric exports, all dropped. */
  droppedMetricBytes: number;
}

/** The OTLP signals; the receiver keeps traces, hands logs to the log sink and drops metrics. */
type Signal = 'traces' | 'logs' | 'metrics';

const httpRoutes: ReadonlyMap<string, Signal | 'zipkin'> = new Map([
  ['/v1/traces', 'traces'],
  ['/v1/logs', 'logs'],
  ['/v1/metrics', 'metrics'],
  ['/api/v2/spans', 'zipkin'],
]);
const grpcMethods: ReadonlyMap<string, Signal> = new Map([
  ['/opentelemetry.proto.collector.trace.v1.TraceService/Export', 'traces'],
  ['/opentelemetry.proto.collector.logs.v1.LogsService/Export', 'logs'],
  ['/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', 'metrics'],
]);
const supportedTypes = 'supported: [application/json, application/x-protobuf]';

type Flavor = 'json' | 'protobuf' | 'text';

/** What an admitted request carries: spans for the trace sink, or logs or metrics as OTLP bytes. */
type Payload = { readonly signal: 'traces'; readonly kind: TracePayloadKind } | { readonly signal: 'logs' | 'metrics'; readonly kind: 'json' | 'protobuf' };

function mediaTypeOf(header: string | undefined): string {
  return (header ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function isLoopbackPeer(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/**
 * The built-in OTLP receiver: OTLP/HTTP (JSON and protobuf, gzip or deflate) and Zipkin v2 JSON
 * on one node:http server, OTLP/gRPC on a node:http2 cleartext server, both feeding a
 * TraceSink. A batch is acknowledged only once the sink has made it durable. Logs go to an
 * optional LogSink and metrics are dropped, both acknowledged, so one OTEL_EXPORTER_OTLP_ENDPOINT
 * for every signal works. Status codes follow
 * the OTLP/HTTP spec (../shared/reference/backends.md §4.4;
 * https://opentelemetry.io/docs/specs/otlp/#otlphttp-response) and the gRPC status mapping of
 * https://opentelemetry.io/docs/specs/otlp/#otlpgrpc-response.
 */
export class OtlpReceiver {
  private http: HttpServer | undefined;
  private grpc: Http2Server | undefined;
  private addressInfo: ReceiverAddress | undefined;
  private readonly grpcSessions = new Set<ServerHttp2Session>();
  private readonly budget: InFlightBudget;
  readonly stats: ReceiverStats = {
    requests: 0,
    acceptedSpans: 0,
    rejectedSpans: 0,
    failedRequests: 0,
    throttledRequests: 0,
    logRequests: 0,
    droppedLogBytes: 0,
    metricRequests: 0,
    droppedMetricBytes: 0,
  };
  private readonly sink: TraceSink;
  private readonly logSink: LogSink | undefined;
  private readonly host: string;
  private readonly loopbackOnly: boolean;
  private readonly maxBodyBytes: number;
  private readonly maxInFlightRequests: number;
  private readonly retryAfter: string;
  private readonly allowedOrigins: ReadonlySet<string>;

  constructor(private readonly options: OtlpReceiverOptions) {
    this.sink = options.sink;
    this.logSink = options.logSink;
    this.host = options.host ?? '127.0.0.1';
    this.loopbackOnly = isLoopbackHost(this.host);
    this.maxBodyBytes = options.maxBodyBytes ?? 32 * 1024 * 1024;
    this.maxInFlightRequests = options.maxInFlightRequests ?? 64;
    this.budget = new InFlightBudget(this.maxInFlightRequests, options.maxInFlightBytes ?? 4 * this.maxBodyBytes);
    this.retryAfter = String(options.retryAfterSeconds ?? 1);
    this.allowedOrigins = new Set(options.allowedOrigins ?? []);
  }

  /** Requests and request bytes held right now; both return to 0 when the receiver is idle. */
  get inFlight(): InFlightLoad {
    return this.budget.load;
  }

  /** Where the receiver listens; undefined while stopped. */
  get address(): ReceiverAddress | undefined {
    return this.addressInfo;
  }

  /**
   * Starts listening. Rejects with ReceiverStartError (kind 'portInUse' and the port, and so on)
   * when a port cannot be had; nothing is left listening then.
   */
  async start(): Promise<ReceiverAddress> {
    if (this.http) throw new ReceiverStartError({ kind: 'alreadyStarted' });
    const requestTimeout = this.options.requestTimeoutMs ?? 30_000;
    // Node requires headersTimeout <= requestTimeout.
    const headersTimeout = Math.min(this.options.headersTimeoutMs ?? 10_000, requestTimeout);
    // Node enforces both timeouts by sweeping connections every connectionsCheckingInterval
    // (30 s by default), so a stalled client would otherwise hold its socket far longer.
    const connectionsCheckingInterval = Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4)));
    const http = createHttpServer({ requestTimeout, headersTimeout, connectionsCheckingInterval, keepAliveTimeout: this.options.idleTimeoutMs ?? 5_000 }, (req, res) => this.handleHttp(req, res));
    // Idle sockets (no request in progress) are closed after this, keep-alive or not.
    http.setTimeout(this.options.idleTimeoutMs ?? 60_000);
    const httpPort = await listen(http, this.options.port ?? 4318, this.host, 'http');
    this.http = http;
    let grpcPort: number | undefined;
    const grpcListenPort = this.options.grpcPort === 'ephemeral' ? 0 : this.options.grpcPort === 0 ? undefined : this.options.grpcPort;
    if (grpcListenPort !== undefined) {
      const grpc = createHttp2Server({ settings: { maxConcurrentStreams: this.maxInFlightRequests }, maxSessionMemory: 64 });
      grpc.on('stream', (stream, headers) => this.handleGrpc(stream, headers));
      grpc.on('session', (session) => {
        this.grpcSessions.add(session);
        session.once('close', () => this.grpcSessions.delete(session));
        session.setTimeout(this.options.idleTimeoutMs ?? 60_000, () => session.close());
      });
      grpc.on('sessionError', () => undefined);
      try {
        grpcPort = await listen(grpc, grpcListenPort, this.host, 'grpc');
      } catch (error: unknown) {
        await this.stop();
        throw error;
      }
      this.grpc = grpc;
    }
    const host = formatHost(this.host);
    this.addressInfo = {
      host: this.host,
      httpPort,
      grpcPort,
      httpEndpoint: `http://${host}:${httpPort}`,
      grpcEndpoint: grpcPort === undefined ? undefined : `http://${host}:${grpcPort}`,
    };
    return this.addressInfo;
  }

  /** Stops listening and closes every connection; requests in progress are cut off. */
  async stop(): Promise<void> {
    const http = this.http;
    const grpc = this.grpc;
    this.http = undefined;
    this.grpc = undefined;
    this.addressInfo = undefined;
    const closing: Promise<void>[] = [];
    if (http) {
      closing.push(new Promise<void>((resolve) => http.close(() => resolve())));
      http.closeAllConnections();
    }
    if (grpc) closing.push(closeHttp2(grpc, this.grpcSessions));
    await Promise.all(closing);
  }

  // -------------------------------------------------------------------------------------------
  // OTLP/HTTP and Zipkin

  private handleHttp(req: IncomingMessage, res: ServerResponse): void {
    this.stats.requests++;
    req.on('error', () => undefined);
    const path = (req.url ?? '').split('?', 1)[0] ?? '';
    const mediaType = mediaTypeOf(req.headers['content-type']);
    const flavor: Flavor = mediaType === 'application/x-protobuf' ? 'protobuf' : mediaType === 'application/json' ? 'json' : 'text';
    if (this.loopbackOnly && !isLoopbackPeer(req.socket.remoteAddress)) {
      this.fail(res, 403, GrpcStatus.PermissionDenied, 'the SpanLens receiver accepts connections from this machine only', flavor);
      return;
    }
    const origin = req.headers.origin;
    const refusal = this.refusedSource(req.headers.host, origin, 'Host');
    if (refusal !== undefined) {
      this.fail(res, 403, GrpcStatus.PermissionDenied, refusal, flavor);
      return;
    }
    if (origin !== undefined) {
      // An allowed page may read every answer, errors and Retry-After included.
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
      res.setHeader('Vary', 'Origin');
    }
    const route = httpRoutes.get(path);
    if (!route) {
      this.fail(
        res,
        404,
        GrpcStatus.NotFound,
        `no such path ${JSON.stringify(path)}; send OTLP traces, logs and metrics to /v1/traces, /v1/logs and /v1/metrics, or Zipkin v2 spans to /api/v2/spans`,
        flavor,
      );
      return;
    }
    if (req.method === 'OPTIONS' && origin !== undefined) {
      this.preflight(req, res);
      return;
    }
    if (req.method !== 'POST') {
      this.fail(res, 405, GrpcStatus.Unimplemented, `${req.method ?? ''} is not allowed on ${path}; use POST`, flavor, { Allow: 'POST' });
      return;
    }
    const payload = payloadOf(route, flavor);
    if (!payload) {
      const supported = route === 'zipkin' ? 'supported: [application/json]' : supportedTypes;
      this.fail(res, 415, GrpcStatus.InvalidArgument, `unsupported media type ${JSON.stringify(mediaType)}, ${supported}`, 'text');
      return;
    }
    const coding = contentCodingOf(req.headers['content-encoding']);
    if (!coding) {
      this.fail(res, 415, GrpcStatus.InvalidArgument, `unsupported Content-Encoding ${JSON.stringify(req.headers['content-encoding'] ?? '')}, supported: [gzip, deflate, identity]`, 'text');
      return;
    }
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > this.maxBodyBytes) {
      this.fail(res, 413, GrpcStatus.ResourceExhausted, `the body is ${declared} bytes, more than the limit of ${this.maxBodyBytes}`, flavor);
      return;
    }
    if (payload.signal === 'traces' && this.sink.isBackedUp) {
      this.throttle(res, 503, 'the trace store is catching up with its writes; retry later', flavor);
      return;
    }
    const lease = this.budget.admit(declared);
    if (!lease) {
      this.throttle(res, 429, 'too many requests in progress; retry later', flavor);
      return;
    }
    void this.receiveHttp(req, res, payload, coding, flavor, lease).finally(() => lease.release());
  }

  private async receiveHttp(req: IncomingMessage, res: ServerResponse, payload: Payload, coding: ContentCoding, flavor: Flavor, lease: InFlightLease): Promise<void> {
    let outcome: IngestOutcome | undefined;
    try {
      const raw = await readBody(req, this.maxBodyBytes, lease);
      const bytes = await decompressBody(raw, coding, this.maxBodyBytes);
      if (payload.signal === 'traces') outcome = await ingestPayload(this.sink, { kind: payload.kind, bytes });
      else await this.acceptSignal(payload.signal, payload.kind, bytes);
    } catch (error: unknown) {
      if (error instanceof BodyError) {
        if (error.failure.kind === 'aborted') return;
        if (error.failure.kind === 'tooLarge') this.fail(res, 413, GrpcStatus.ResourceExhausted, error.message, flavor);
        else if (error.failure.kind === 'overBudget') this.throttle(res, 429, error.message, flavor);
        else this.fail(res, 400, GrpcStatus.InvalidArgument, error.message, flavor);
      } else if (error instanceof InvalidPayloadError) {
        this.fail(res, 400, GrpcStatus.InvalidArgument, error.message, flavor);
      } else {
        // The sink could not take the batch (disk full, directory gone): retryable, nothing was acknowledged.
        this.throttle(res, 503, sinkFailureMessage(payload.signal, error), flavor);
      }
      return;
    }
    if (outcome) {
      this.stats.acceptedSpans += outcome.acceptedSpans;
      this.stats.rejectedSpans += outcome.partial.rejectedSpans;
    }
    if (res.destroyed) return;
    if (payload.kind === 'zipkin-json') {
      // The Zipkin server answers 202 Accepted with no body.
      res.writeHead(202).end();
    } else if (flavor === 'protobuf') {
      // Without an outcome (logs, metrics) this is the empty Export*ServiceResponse: no bytes, or {}.
      res.writeHead(200, { 'Content-Type': 'application/x-protobuf' }).end(encodeExportResponseProto(outcome?.partial));
    } else {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(encodeExportResponseJson(outcome?.partial));
    }
  }

  /**
   * Logs go to the log sink when there is one; metrics, and logs without a sink, are counted and
   * dropped. Either way the export is acknowledged, so an SDK sending every signal to
   * OTEL_EXPORTER_OTLP_ENDPOINT does not log errors for the ones SpanLens does not show.
   */
  private async acceptSignal(signal: 'logs' | 'metrics', kind: 'json' | 'protobuf', bytes: Uint8Array): Promise<void> {
    if (signal === 'metrics') {
      this.stats.metricRequests++;
      this.stats.droppedMetricBytes += bytes.length;
      return;
    }
    if (this.logSink) await this.logSink.ingestLogs({ kind, bytes });
    else this.stats.droppedLogBytes += bytes.length;
    this.stats.logRequests++;
  }

  /**
   * Why a request must be refused as one a web page may have made, or undefined. Browsers send
   * Origin with every cross-origin request and every POST, and no OTLP SDK outside a browser
   * does. The Host check matters only while bound to loopback: there it is the DNS-rebinding
   * defence, while a receiver bound to a network address on purpose is reached by other names.
   */
  private refusedSource(authority: string | undefined, origin: string | undefined, header: 'Host' | ':authority'): string | undefined {
    if (this.loopbackOnly && authority !== undefined && !isLoopbackAuthority(authority)) {
      return `the ${header} ${JSON.stringify(authority)} is not a loopback name; the SpanLens receiver answers only requests addressed to localhost, 127.0.0.1 or [::1], so that no web page can reach it through DNS rebinding`;
    }
    if (origin !== undefined && !this.allowedOrigins.has(origin)) {
      return `requests from web pages are refused, and ${JSON.stringify(origin)} is not one of the receiver's allowed origins`;
    }
    return undefined;
  }

  /** The CORS preflight of an allowed origin (https://fetch.spec.whatwg.org/#cors-preflight-fetch). */
  private preflight(req: IncomingMessage, res: ServerResponse): void {
    const headers: Record<string, string> = {
      'Access-Control-Allow-Methods': 'POST',
      'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? 'Content-Type, Content-Encoding',
      'Access-Control-Max-Age': '600',
    };
    // Chrome asks before a public page may reach a loopback address
    // (https://wicg.github.io/private-network-access/#cors-preflight); the origin is allowed, so yes.
    if (req.headers['access-control-request-private-network'] === 'true') headers['Access-Control-Allow-Private-Network'] = 'true';
    res.writeHead(204, headers).end();
  }

  private throttle(res: ServerResponse, status: 429 | 503, message: string, flavor: Flavor): void {
    this.stats.throttledRequests++;
    this.fail(res, status, GrpcStatus.Unavailable, message, flavor, { 'Retry-After': this.retryAfter });
  }

  /**
   * An error answer: a google.rpc.Status in the request's encoding (OTLP/HTTP "Failures"), or
   * text when the encoding is unknown. When the body has not been read, Node drains and discards
   * it after the response; Connection: close keeps the socket from being reused meanwhile.
   */
  private fail(res: ServerResponse, status: number, code: GrpcStatus, message: string, flavor: Flavor, headers: Readonly<Record<string, string>> = {}): void {
    this.stats.failedRequests++;
    if (res.headersSent || res.destroyed) return;
    const body = flavor === 'protobuf' ? encodeStatusProto(code, message) : flavor === 'json' ? encodeStatusJson(code, message) : `${status} ${message}`;
    const type = flavor === 'protobuf' ? 'application/x-protobuf' : flavor === 'json' ? 'application/json' : 'text/plain; charset=utf-8';
    res.writeHead(status, { ...headers, 'Content-Type': type, Connection: 'close' }).end(body);
  }

  // -------------------------------------------------------------------------------------------
  // OTLP/gRPC, by hand over node:http2 (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md)

  private handleGrpc(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    this.stats.requests++;
    stream.on('error', () => undefined);
    const contentType = headers['content-type'] ?? '';
    if (!contentType.startsWith('application/grpc')) {
      this.stats.failedRequests++;
      // Not a gRPC request at all: plain HTTP semantics, as the gRPC spec asks.
      stream.respond({ ':status': 415, 'content-type': 'text/plain' }, { endStream: false });
      stream.end('415 this port speaks OTLP/gRPC only (content-type application/grpc)');
      return;
    }
    if (this.loopbackOnly && !isLoopbackPeer(stream.session?.socket.remoteAddress)) {
      this.grpcFail(stream, GrpcStatus.PermissionDenied, 'the SpanLens receiver accepts connections from this machine only');
      return;
    }
    const authority = headers[':authority'] ?? headers.host;
    const origin = headers.origin;
    const refusal = this.refusedSource(authority, typeof origin === 'string' ? origin : undefined, ':authority');
    if (refusal !== undefined) {
      this.grpcFail(stream, GrpcStatus.PermissionDenied, refusal);
      return;
    }
    const signal = headers[':method'] === 'POST' ? grpcMethods.get(headers[':path'] ?? '') : undefined;
    if (!signal) {
      this.grpcFail(stream, GrpcStatus.Unimplemented, `unknown method ${headers[':path'] ?? ''}; this receiver implements ${[...grpcMethods.keys()].map((m) => m.slice(1)).join(', ')}`);
      return;
    }
    const encodingHeader = headers['grpc-encoding'];
    const coding = contentCodingOf(typeof encodingHeader === 'string' ? encodingHeader : undefined);
    if (!coding) {
      this.grpcFail(stream, GrpcStatus.Unimplemented, `unsupported grpc-encoding ${String(encodingHeader)}`);
      return;
    }
    const lease = signal === 'traces' && this.sink.isBackedUp ? undefined : this.budget.admit(0);
    if (!lease) {
      this.grpcThrottle(stream, 'the receiver is busy; retry later');
      return;
    }
    stream.setTimeout(this.options.requestTimeoutMs ?? 30_000, () => stream.close(http2Constants.NGHTTP2_CANCEL));
    void this.receiveGrpc(stream, coding, lease, signal).finally(() => lease.release());
  }

  private async receiveGrpc(stream: ServerHttp2Stream, coding: ContentCoding, lease: InFlightLease, signal: Signal): Promise<void> {
    let outcome: IngestOutcome | undefined;
    try {
      const framed = await readBody(stream, this.maxBodyBytes + 5, lease);
      if (framed.length < 5) throw new GrpcFailure(GrpcStatus.Internal, `the request holds ${framed.length} bytes, less than a gRPC message header`);
      const flag = framed[0];
      if (flag !== 0 && flag !== 1) throw new GrpcFailure(GrpcStatus.Internal, `the gRPC message's compressed flag is ${flag}; it must be 0 or 1`);
      const compressed = flag === 1;
      const length = framed.readUInt32BE(1);
      if (length !== framed.length - 5) throw new GrpcFailure(GrpcStatus.Internal, `the gRPC message header says ${length} bytes but ${framed.length - 5} follow (Export takes exactly one message)`);
      if (compressed && coding === 'identity') throw new GrpcFailure(GrpcStatus.Internal, 'the message is flagged compressed but no grpc-encoding was given');
      const message = framed.subarray(5);
      const bytes = compressed ? await decompressBody(message, coding, this.maxBodyBytes) : message;
      if (signal === 'traces') outcome = await ingestPayload(this.sink, { kind: 'otlp-protobuf', bytes });
      else await this.acceptSignal(signal, 'protobuf', bytes);
    } catch (error: unknown) {
      if (error instanceof GrpcFailure) this.grpcFail(stream, error.code, error.message);
      else if (error instanceof BodyError) {
        if (error.failure.kind === 'aborted') return;
        if (error.failure.kind === 'overBudget') this.grpcThrottle(stream, error.message);
        else this.grpcFail(stream, error.failure.kind === 'tooLarge' ? GrpcStatus.ResourceExhausted : GrpcStatus.Internal, error.message);
      } else if (error instanceof InvalidPayloadError) this.grpcFail(stream, GrpcStatus.InvalidArgument, error.message);
      else this.grpcFail(stream, GrpcStatus.Unavailable, sinkFailureMessage(signal, error));
      return;
    }
    if (outcome) {
      this.stats.acceptedSpans += outcome.acceptedSpans;
      this.stats.rejectedSpans += outcome.partial.rejectedSpans;
    }
    if (stream.destroyed || stream.closed) return;
    stream.respond({ ':status': 200, 'content-type': 'application/grpc+proto', 'grpc-accept-encoding': 'identity,gzip,deflate' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(GrpcStatus.Ok) }));
    stream.end(grpcFrame(encodeExportResponseProto(outcome?.partial)));
  }

  private grpcThrottle(stream: ServerHttp2Stream, message: string): void {
    this.stats.throttledRequests++;
    // UNAVAILABLE is the retryable code (OTLP/gRPC "Failures"); RESOURCE_EXHAUSTED would be
    // retried only with a RetryInfo detail.
    this.grpcFail(stream, GrpcStatus.Unavailable, message);
  }

  /** A trailers-only response: the status travels in the one HEADERS frame. */
  private grpcFail(stream: ServerHttp2Stream, code: GrpcStatus, message: string): void {
    this.stats.failedRequests++;
    if (stream.destroyed || stream.closed || stream.headersSent) return;
    stream.respond(
      { ':status': 200, 'content-type': 'application/grpc+proto', 'grpc-status': String(code), 'grpc-message': encodeGrpcMessage(message), 'grpc-accept-encoding': 'identity,gzip,deflate' },
      { endStream: true },
    );
  }
}

function payloadOf(route: Signal | 'zipkin', flavor: Flavor): Payload | undefined {
  if (flavor === 'text') return undefined;
  switch (route) {
    case 'traces':
      return { signal: 'traces', kind: flavor === 'json' ? 'otlp-json' : 'otlp-protobuf' };
    case 'zipkin':
      return flavor === 'json' ? { signal: 'traces', kind: 'zipkin-json' } : undefined;
    case 'logs':
    case 'metrics':
      return { signal: route, kind: flavor };
  }
}

function sinkFailureMessage(signal: Signal, error: unknown): string {
  const detail = error instanceof Error ? error.message : String(error);
  return signal === 'logs' ? `the log sink could not take the batch: ${detail}` : `the trace store could not write the batch: ${detail}`;
}

class GrpcFailure extends Error {
  constructor(
    readonly code: GrpcStatus,
    message: string,
  ) {
    super(message);
  }
}

function listen(server: HttpServer | Http2Server, port: number, host: string, protocol: 'http' | 'grpc'): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const onError = (error: unknown): void => {
      server.off('listening', onListening);
      reject(new ReceiverStartError(startFailureOf(error, protocol, host, port)));
    };
    const onListening = (): void => {
      server.off('error', onError);
      // A server error after start (rare: EMFILE on accept) must not crash the extension host.
      server.on('error', () => undefined);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** http2 has no closeAllConnections(): the receiver ends the sessions it tracked. */
function closeHttp2(server: Http2Server, open: Set<ServerHttp2Session>): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    for (const session of open) session.destroy();
    open.clear();
  });
}

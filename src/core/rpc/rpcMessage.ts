/**
 * The messages of every request/response boundary SpanLens has (extension host ↔ trace-service
 * worker, window ↔ local trace service). What an operation takes and answers is declared once, in
 * the boundary's API interface; these envelopes only carry it.
 */
export type RpcMessage<Event> = RpcRequest | RpcCancel | RpcResponse | RpcEvent<Event>;

export interface RpcRequest {
  readonly kind: 'request';
  /** Request ids start at 1 and are unique per connection. */
  readonly id: number;
  readonly op: string;
  readonly args: readonly unknown[];
  /** The caller passed an AbortSignal as the last argument; the server appends one of its own. */
  readonly cancellable: boolean;
}

/** The caller's AbortSignal fired: signals cannot cross a thread or process boundary. */
export interface RpcCancel {
  readonly kind: 'cancel';
  readonly id: number;
}

export type RpcResponse =
  { readonly kind: 'response'; readonly id: number; readonly ok: true; readonly value: unknown } | { readonly kind: 'response'; readonly id: number; readonly ok: false; readonly error: RpcErrorData };

/** A failure in transit: the boundary's error codec rebuilds the typed error on the other side. */
export interface RpcErrorData {
  readonly message: string;
  /** Set by the codec for errors it knows; undefined for plain errors. */
  readonly type?: string;
  readonly data?: unknown;
}

/** Pushed by the server unasked. */
export interface RpcEvent<Event> {
  readonly kind: 'event';
  readonly event: Event;
}

/**
 * An API whose every operation answers asynchronously. An operation that may be cancelled takes
 * an optional AbortSignal as its last parameter.
 */
export type RpcApi<Api> = { readonly [Op in keyof Api]: (...args: never[]) => Promise<unknown> };

/**
 * The operation names of an API as data, so a server answers only what the interface declares.
 * Written as an object literal typed `RpcOps<Api>`, the compiler rejects a missing or an extra
 * name.
 */
export type RpcOps<Api> = { readonly [Op in keyof Api]: true };

/** Turns typed errors into data and back (BackendError, ReceiverStartError, …). */
export interface RpcErrorCodec {
  encode(error: unknown): RpcErrorData;
  decode(data: RpcErrorData): Error;
}

export const plainErrorCodec: RpcErrorCodec = {
  encode: (error) => ({ message: error instanceof Error ? error.message : String(error) }),
  decode: (data) => new Error(data.message),
};

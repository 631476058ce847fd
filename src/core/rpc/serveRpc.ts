import type { RpcChannel } from './rpcChannel';
import { plainErrorCodec, type RpcApi, type RpcErrorCodec, type RpcMessage, type RpcOps, type RpcRequest } from './rpcMessage';

export interface ServeRpcOptions<Api> {
  readonly errors?: RpcErrorCodec;
  /** Buffers moved rather than copied with an answer (a worker port only). */
  readonly transferOf?: (op: keyof Api, value: unknown) => readonly ArrayBuffer[];
}

export interface RpcServer<Event> {
  emit(event: Event): void;
  /** Requests still running, for a process that waits for them before it exits. */
  readonly busy: number;
}

/**
 * The answering side of one connection: dispatches each request to the operation of the same
 * name on `api` (only names the API declares), answers in the order operations finish, and
 * aborts a cancellable request when the caller cancels it.
 */
export function serveRpc<Api extends RpcApi<Api>, Event>(channel: RpcChannel<RpcMessage<Event>>, api: Api, ops: RpcOps<Api>, options: ServeRpcOptions<Api> = {}): RpcServer<Event> {
  const errors = options.errors ?? plainErrorCodec;
  const inFlight = new Map<number, AbortController>();
  let busy = 0;
  const answer = (request: RpcRequest): void => {
    const controller = new AbortController();
    inFlight.set(request.id, controller);
    busy++;
    let result: Promise<unknown>;
    try {
      if (!Object.hasOwn(ops, request.op)) throw new Error(`unknown operation "${request.op.slice(0, 80)}"`);
      const operation = (api as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[request.op];
      if (typeof operation !== 'function') throw new Error(`operation "${request.op}" is not implemented`);
      const args = request.cancellable ? [...request.args, controller.signal] : [...request.args];
      result = Promise.resolve(operation.apply(api, args));
    } catch (error: unknown) {
      result = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    result
      .finally(() => {
        inFlight.delete(request.id);
        busy--;
      })
      .then(
        (value) => channel.send({ kind: 'response', id: request.id, ok: true, value }, options.transferOf?.(request.op as keyof Api, value)),
        (error: unknown) => channel.send({ kind: 'response', id: request.id, ok: false, error: errors.encode(error) }),
      )
      // The channel may have closed while the operation ran; nobody is left to tell.
      .catch(() => undefined);
  };
  channel.onMessage((message) => {
    if (message.kind === 'request') answer(message);
    else if (message.kind === 'cancel') inFlight.get(message.id)?.abort();
  });
  return {
    emit: (event) => channel.send({ kind: 'event', event }),
    get busy() {
      return busy;
    },
  };
}

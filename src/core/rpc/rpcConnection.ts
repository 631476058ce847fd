import type { RpcChannel } from './rpcChannel';
import { plainErrorCodec, type RpcApi, type RpcErrorCodec, type RpcMessage, type RpcOps } from './rpcMessage';
import { Emitter } from '../emitter';

type Call = (op: string, args: readonly unknown[], signal: AbortSignal | undefined) => Promise<unknown>;

/**
 * The calling side of one connection: requests by id, their answers, cancellation, and the
 * server's events. When the channel closes every pending call fails with the reason, once.
 */
export class RpcConnection<Event> {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private readonly events = new Emitter<Event>();
  private readonly closes = new Emitter<string>();
  private closedBecause: string | undefined;
  /** Set by the owner: an idle connection must not keep the process alive, a busy one must. */
  keepAlive = false;

  constructor(
    private readonly channel: RpcChannel<RpcMessage<Event>>,
    private readonly errors: RpcErrorCodec = plainErrorCodec,
  ) {
    channel.onMessage((message) => this.receive(message));
    channel.onClose((reason) => this.closed(reason));
    channel.setActive(false);
  }

  get isClosed(): boolean {
    return this.closedBecause !== undefined;
  }

  call(op: string, args: readonly unknown[], signal?: AbortSignal): Promise<unknown> {
    if (this.closedBecause !== undefined) return Promise.reject(new Error(this.closedBecause));
    const id = this.nextId++;
    this.channel.setActive(true);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.channel.send({ kind: 'request', id, op, args, cancellable: signal !== undefined });
      if (signal === undefined) return;
      const cancel = (): void => {
        if (this.pending.has(id) && this.closedBecause === undefined) this.channel.send({ kind: 'cancel', id });
      };
      if (signal.aborted) cancel();
      else signal.addEventListener('abort', cancel, { once: true });
    });
  }

  readonly onEvent = this.events.event;
  readonly onClose = this.closes.event;

  close(reason: string): void {
    this.closed(reason);
    this.channel.close();
  }

  private receive(message: RpcMessage<Event>): void {
    if (message.kind === 'event') {
      this.events.fire(message.event);
      return;
    }
    if (message.kind !== 'response') return;
    const waiter = this.pending.get(message.id);
    if (waiter === undefined) return;
    this.pending.delete(message.id);
    if (this.pending.size === 0 && !this.keepAlive) this.channel.setActive(false);
    if (message.ok) waiter.resolve(message.value);
    else waiter.reject(this.errors.decode(message.error));
  }

  private closed(reason: string): void {
    if (this.closedBecause !== undefined) return;
    this.closedBecause = reason;
    for (const waiter of this.pending.values()) waiter.reject(new Error(reason));
    this.pending.clear();
    this.closes.fire(reason);
  }
}

/**
 * Client stubs derived from the API's operation names: each forwards its arguments to `call`,
 * lifting a trailing AbortSignal out of them (signals do not cross the boundary).
 */
export function rpcStubs<Api extends RpcApi<Api>>(ops: RpcOps<Api>, call: Call): Api {
  const stubs: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const op of Object.keys(ops)) {
    stubs[op] = (...args: unknown[]) => {
      const last = args[args.length - 1];
      if (last instanceof AbortSignal) return call(op, args.slice(0, -1), last);
      // A trailing `undefined` signal is dropped too, so the server never sees it as an argument.
      while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
      return call(op, args, undefined);
    };
  }
  return stubs as unknown as Api;
}

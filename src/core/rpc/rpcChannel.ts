import type { MessagePort, Worker } from 'node:worker_threads';

/** A duplex of whole messages: a worker's port, or a framed socket (see socketChannel.ts). */
export interface RpcChannel<Message> {
  send(message: Message, transfer?: readonly ArrayBuffer[]): void;
  onMessage(listener: (message: Message) => void): void;
  /** The other side went away (worker exit, socket closed); `reason` says how. */
  onClose(listener: (reason: string) => void): void;
  close(): void;
  /** Whether an idle channel keeps the process alive (a worker or socket is unref'd when idle). */
  setActive(active: boolean): void;
}

/** The channel of a worker thread, as seen from the thread that started it; `name` starts its close reasons. */
export function workerChannel<Message>(worker: Worker, name: string): RpcChannel<Message> {
  return {
    send: (message, transfer) => worker.postMessage(message, transfer as ArrayBuffer[] | undefined),
    onMessage: (listener) => worker.on('message', listener),
    onClose: (listener) => {
      worker.on('error', (error) => listener(`${name} stopped: ${error.message}`));
      worker.on('exit', (code) => listener(`${name} exited (code ${code})`));
    },
    close: () => void worker.terminate(),
    setActive: (active) => (active ? worker.ref() : worker.unref()),
  };
}

/** The channel of a worker thread, as seen from inside it. */
export function portChannel<Message>(port: MessagePort): RpcChannel<Message> {
  return {
    send: (message, transfer) => port.postMessage(message, transfer as ArrayBuffer[] | undefined),
    onMessage: (listener) => port.on('message', listener),
    onClose: (listener) => port.on('close', () => listener('the port closed')),
    close: () => port.close(),
    setActive: () => undefined,
  };
}

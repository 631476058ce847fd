import type { Socket } from 'node:net';
import { deserialize, serialize } from 'node:v8';
import type { RpcChannel } from './rpcChannel';

/**
 * Whole messages over a stream socket: a 4-byte big-endian length, then the message in V8's
 * structured-clone format, which keeps what JSON loses (bigint times, typed arrays, Maps,
 * undefined), so both sides exchange the same shapes as over a worker port.
 */
export interface SocketChannelOptions {
  /** Largest message accepted; a longer length prefix closes the connection (a confused or hostile peer). */
  readonly maxMessageBytes?: number;
  /**
   * Bytes written but not yet taken by the peer above which the connection is closed: a peer
   * that stopped reading must not make the sender hold its events in memory without end.
   */
  readonly maxBufferedBytes?: number;
}

const defaultMaxMessageBytes = 1024 * 1024 * 1024;

export function socketChannel<Message>(socket: Socket, options: SocketChannelOptions = {}): RpcChannel<Message> {
  const maxMessageBytes = options.maxMessageBytes ?? defaultMaxMessageBytes;
  const messageListeners: ((message: Message) => void)[] = [];
  const closeListeners: ((reason: string) => void)[] = [];
  let closeReason: string | undefined;
  const closed = (reason: string): void => {
    if (closeReason !== undefined) return;
    closeReason = reason;
    for (const listener of closeListeners) listener(reason);
  };
  // Chunks not yet making a whole message; concatenated only when one is complete.
  let chunks: Buffer[] = [];
  let buffered = 0;
  let expected = -1;
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    buffered += chunk.length;
    for (;;) {
      if (expected < 0) {
        if (buffered < 4) return;
        const head = joined(chunks, buffered);
        chunks = [head];
        expected = head.readUInt32BE(0);
        if (expected > maxMessageBytes) {
          socket.destroy();
          closed(`a message of ${expected} bytes is over the ${maxMessageBytes}-byte limit`);
          return;
        }
      }
      if (buffered < 4 + expected) return;
      const all = joined(chunks, buffered);
      const body = all.subarray(4, 4 + expected);
      const rest = all.subarray(4 + expected);
      chunks = rest.length > 0 ? [rest] : [];
      buffered = rest.length;
      expected = -1;
      let message: Message;
      try {
        message = deserialize(body) as Message;
      } catch (error: unknown) {
        socket.destroy();
        closed(`an unreadable message: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
      for (const listener of messageListeners) listener(message);
    }
  });
  socket.on('error', (error) => closed(`the connection failed: ${error.message}`));
  socket.on('close', () => closed('the connection closed'));
  return {
    send: (message) => {
      if (closeReason !== undefined || socket.destroyed) return;
      const body = serialize(message);
      const head = Buffer.allocUnsafe(4);
      head.writeUInt32BE(body.length, 0);
      socket.write(head);
      socket.write(body);
      if (options.maxBufferedBytes !== undefined && socket.writableLength > options.maxBufferedBytes) {
        socket.destroy();
        closed(`the peer stopped reading (${socket.writableLength} bytes waiting)`);
      }
    },
    onMessage: (listener) => void messageListeners.push(listener),
    onClose: (listener) => {
      if (closeReason !== undefined) listener(closeReason);
      else closeListeners.push(listener);
    },
    close: () => socket.end(),
    setActive: (active) => (active ? socket.ref() : socket.unref()),
  };
}

/** The chunks as one buffer, without a copy when there is only one. */
function joined(chunks: readonly Buffer[], length: number): Buffer {
  const first = chunks[0];
  return chunks.length === 1 && first !== undefined ? first : Buffer.concat(chunks, length);
}

import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { BackendFailure } from './backendError';

/** The codings SpanLens asks for; a server that sends another one is refused (see `contentCoding`). */
export const acceptEncoding = 'gzip';

/**
 * The response's Content-Encoding as SpanLens reads it: `identity` for none, `gzip`, or the
 * unsupported text itself. Several codings in a row are refused: SpanLens asked for gzip only.
 */
export function contentCoding(value: string | undefined): 'identity' | 'gzip' | { readonly unsupported: string } {
  const coding = (value ?? '').trim().toLowerCase();
  if (coding === '' || coding === 'identity') return 'identity';
  if (coding === 'gzip' || coding === 'x-gzip') return 'gzip';
  return { unsupported: coding };
}

/**
 * A body's decoded bytes. The wire bytes are counted against `wireLimit` as they arrive (the
 * caller bounds the decoded bytes it reads), so neither a huge compressed body nor a small one
 * that expands without end (a gzip bomb) is ever held whole. A corrupt gzip stream fails as
 * `undecodable`; `fail` throws the BackendError.
 */
export function decodeContentEncoding(body: AsyncIterable<Buffer>, coding: 'identity' | 'gzip', wireLimit: number, fail: (failure: BackendFailure) => never): AsyncIterable<Buffer> {
  if (coding === 'identity') return body;
  let wire = 0;
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of body) {
      wire += chunk.length;
      if (wire > wireLimit) fail({ kind: 'tooLarge', limit: wireLimit });
      yield chunk;
    }
  }
  const gunzip = createGunzip();
  // Errors reach the reader through gunzip, which pipeline destroys with the first one.
  pipeline(Readable.from(counted()), gunzip, () => undefined);
  return (async function* decoded(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of gunzip as AsyncIterable<Buffer>) yield chunk;
    } catch (error: unknown) {
      const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
      // Some servers label an empty body (a 204, an empty list) gzip without sending a gzip stream.
      if (wire === 0 && code === 'Z_BUF_ERROR') return;
      if (code.startsWith('Z_')) fail({ kind: 'undecodable', detail: `the gzip-compressed response is corrupt after ${wire} compressed bytes (${code})` });
      throw error;
    } finally {
      gunzip.destroy();
    }
  })();
}

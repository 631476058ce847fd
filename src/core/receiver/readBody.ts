import type { Readable } from 'node:stream';
import { gunzip, inflate, inflateRaw, type InputType, type ZlibOptions } from 'node:zlib';

/** Why a body could not be read; the receiver maps each to a status. */
export type BodyFailure =
  | { readonly kind: 'tooLarge'; readonly limit: number; readonly stage: 'received' | 'decompressed' }
  | { readonly kind: 'badEncoding'; readonly detail: string }
  /** The receiver holds too many request bytes at once; retryable. */
  | { readonly kind: 'overBudget' }
  | { readonly kind: 'aborted' };

export class BodyError extends Error {
  constructor(readonly failure: BodyFailure) {
    super(describeBodyFailure(failure));
    this.name = 'BodyError';
  }
}

function describeBodyFailure(failure: BodyFailure): string {
  switch (failure.kind) {
    case 'tooLarge':
      return `the ${failure.stage === 'received' ? 'body' : 'decompressed body'} is larger than the limit of ${failure.limit} bytes`;
    case 'badEncoding':
      return failure.detail;
    case 'overBudget':
      return 'the receiver holds too many request bytes at once; retry later';
    case 'aborted':
      return 'the client went away';
  }
}

/** Accounts for a body's bytes as they arrive (the receiver's InFlightLease). */
export interface BodyBudget {
  /** False when the first `total` bytes may not be held now. */
  cover(total: number): boolean;
}

/**
 * Collects a request body, counting bytes as they arrive so a body without Content-Length (or
 * with a false one) cannot grow past `limit`, nor past what `budget` lets it hold. Past either it
 * rejects at once and keeps draining without holding or counting, so the response can still
 * reach the client.
 */
export function readBody(stream: Readable, limit: number, budget?: BodyBudget): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    let chunks: Buffer[] = [];
    let total = 0;
    let failed = false;
    const fail = (error: BodyError): void => {
      if (failed) return;
      failed = true;
      chunks = [];
      reject(error);
    };
    stream.on('data', (chunk: Buffer) => {
      if (failed) return;
      total += chunk.length;
      if (total > limit) fail(new BodyError({ kind: 'tooLarge', limit, stage: 'received' }));
      else if (budget !== undefined && !budget.cover(total)) fail(new BodyError({ kind: 'overBudget' }));
      else chunks.push(chunk);
    });
    stream.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total));
    });
    stream.on('error', () => fail(new BodyError({ kind: 'aborted' })));
    stream.on('close', () => fail(new BodyError({ kind: 'aborted' })));
  });
}

export type ContentCoding = 'identity' | 'gzip' | 'deflate';

/** Parses Content-Encoding / grpc-encoding; undefined for a coding the receiver does not speak. */
export function contentCodingOf(header: string | undefined): ContentCoding | undefined {
  const value = (header ?? '').trim().toLowerCase();
  if (value === '' || value === 'identity') return 'identity';
  if (value === 'gzip' || value === 'x-gzip') return 'gzip';
  if (value === 'deflate') return 'deflate';
  return undefined;
}

function run(fn: (buf: InputType, options: ZlibOptions, callback: (error: Error | null, result: Buffer) => void) => void, bytes: Buffer, limit: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => fn(bytes, { maxOutputLength: limit }, (error, result) => (error ? reject(error) : resolve(result))));
}

/**
 * Decompresses off the main thread (zlib's thread pool) with the output bounded: zlib stops as
 * soon as `limit` bytes come out, so a gzip bomb costs at most `limit` bytes and a little time.
 */
export async function decompressBody(bytes: Buffer, coding: ContentCoding, limit: number): Promise<Buffer> {
  if (coding === 'identity') return bytes;
  try {
    if (coding === 'gzip') return await run(gunzip, bytes, limit);
    try {
      return await run(inflate, bytes, limit);
    } catch (error: unknown) {
      // "deflate" means zlib-wrapped (RFC 9110 §8.4.1.2), but some clients send a raw stream.
      if (isTooLarge(error)) throw error;
      return await run(inflateRaw, bytes, limit);
    }
  } catch (error: unknown) {
    if (isTooLarge(error)) throw new BodyError({ kind: 'tooLarge', limit, stage: 'decompressed' });
    throw new BodyError({ kind: 'badEncoding', detail: `the body is not valid ${coding} data (${error instanceof Error ? error.message : String(error)})` });
  }
}

function isTooLarge(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && (error.code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError);
}

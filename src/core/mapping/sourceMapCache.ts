import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SourceMapConsumer, type BasicSourceMapConsumer, type IndexedSourceMapConsumer, type RawIndexMap, type RawSourceMap } from 'source-map';

/** The file access the cache needs; node:fs/promises by default, injectable for tests. */
export interface SourceMapFileSystem {
  readFile(path: string): Promise<string>;
  stat(path: string): Promise<{ readonly mtimeMs: number; readonly size: number }>;
}

export interface OriginalPosition {
  /** The source as the map resolves it: a `file://` URL, or a bundler URL such as `webpack://app/./src/x.ts`. */
  readonly source: string;
  /** `source` as a local path when it is a `file://` URL, otherwise `source` itself. */
  readonly path: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based, like V8's columns, whatever the map format says. */
  readonly column: number;
  readonly name: string | undefined;
}

export type SourceMapLookup =
  | { readonly kind: 'mapped'; readonly original: OriginalPosition; readonly mapUrl: string }
  | { readonly kind: 'noMap' }
  | { readonly kind: 'unmapped'; readonly mapUrl: string }
  | { readonly kind: 'error'; readonly message: string };

export interface SourceMapCacheOptions {
  readonly fileSystem?: SourceMapFileSystem;
  /** Parsed maps kept at most; the least recently used is destroyed first. */
  readonly maxEntries?: number;
  /**
   * How long a checked entry is trusted before the files are stat'ed again. A file watcher that
   * calls `invalidate` makes a long window safe; 0 checks on every lookup.
   */
  readonly recheckAfterMs?: number;
}

interface Stamp {
  readonly mtimeMs: number;
  readonly size: number;
}

interface Entry {
  readonly generatedStamp: Stamp;
  readonly mapPath: string | undefined;
  readonly mapStamp: Stamp | undefined;
  readonly consumer: BasicSourceMapConsumer | IndexedSourceMapConsumer | undefined;
  readonly mapUrl: string;
  readonly error: string | undefined;
  checkedAt: number;
}

const nodeFileSystem: SourceMapFileSystem = {
  readFile: (path) => readFile(path, 'utf8'),
  stat: (path) => stat(path),
};

/**
 * Parsed source maps keyed by generated file path. source-map 0.7+ parses in WebAssembly, so a
 * consumer holds memory outside the JS heap until `destroy()`; every consumer this cache drops
 * (evicted, rebuilt, cleared) is destroyed. A rebuilt file is noticed by its mtime and size, and
 * those of its external map.
 */
export class SourceMapCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();
  private readonly fs: SourceMapFileSystem;
  private readonly maxEntries: number;
  private readonly recheckAfterMs: number;

  constructor(options: SourceMapCacheOptions = {}) {
    this.fs = options.fileSystem ?? nodeFileSystem;
    this.maxEntries = options.maxEntries ?? 64;
    this.recheckAfterMs = options.recheckAfterMs ?? 1000;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * The original position of a generated one. `line` and `column` are 1-based, as V8 prints them;
   * the map's 0-based columns are converted both ways. An omitted column means "anywhere on the
   * line" and takes the line's first mapping.
   */
  async originalPositionFor(generatedPath: string, line: number, column: number | undefined): Promise<SourceMapLookup> {
    let entry: Entry;
    try {
      entry = await this.entryFor(generatedPath);
    } catch (error) {
      return { kind: 'error', message: describe(error) };
    }
    if (entry.error !== undefined) return { kind: 'error', message: entry.error };
    const consumer = entry.consumer;
    if (!consumer) return { kind: 'noMap' };
    // No await between here and the last use: a concurrent rebuild cannot destroy it under us.
    const zeroBased = column === undefined ? 0 : Math.max(0, column - 1);
    let found = consumer.originalPositionFor({ line, column: zeroBased, bias: SourceMapConsumer.GREATEST_LOWER_BOUND });
    if (found.source === null || found.line === null) {
      found = consumer.originalPositionFor({ line, column: zeroBased, bias: SourceMapConsumer.LEAST_UPPER_BOUND });
    }
    if (found.source === null || found.line === null) return { kind: 'unmapped', mapUrl: entry.mapUrl };
    const source = found.source;
    return {
      kind: 'mapped',
      mapUrl: entry.mapUrl,
      original: { source, path: sourceToPath(source), line: found.line, column: (found.column ?? 0) + 1, name: found.name ?? undefined },
    };
  }

  /** Forgets one generated file (a watcher saw it change); its consumer is destroyed. */
  invalidate(generatedPath: string): void {
    const entry = this.entries.get(generatedPath);
    if (!entry) return;
    this.entries.delete(generatedPath);
    entry.consumer?.destroy();
  }

  clear(): void {
    for (const entry of this.entries.values()) entry.consumer?.destroy();
    this.entries.clear();
  }

  dispose(): void {
    this.clear();
  }

  private async entryFor(path: string): Promise<Entry> {
    const cached = this.entries.get(path);
    if (cached) {
      if (Date.now() - cached.checkedAt < this.recheckAfterMs || (await this.isFresh(cached, path))) {
        cached.checkedAt = Date.now();
        this.entries.delete(path);
        this.entries.set(path, cached);
        return cached;
      }
    }
    const pending = this.loading.get(path);
    if (pending) return pending;
    const load = this.load(path).finally(() => this.loading.delete(path));
    this.loading.set(path, load);
    const entry = await load;
    const previous = this.entries.get(path);
    if (previous && previous !== entry) previous.consumer?.destroy();
    this.entries.delete(path);
    this.entries.set(path, entry);
    this.evict();
    return entry;
  }

  private async isFresh(entry: Entry, path: string): Promise<boolean> {
    try {
      const generated = await this.fs.stat(path);
      if (!sameStamp(generated, entry.generatedStamp)) return false;
      if (entry.mapPath !== undefined && entry.mapStamp) return sameStamp(await this.fs.stat(entry.mapPath), entry.mapStamp);
      return true;
    } catch {
      return false;
    }
  }

  private async load(path: string): Promise<Entry> {
    const generatedStamp = toStamp(await this.fs.stat(path));
    const text = await this.fs.readFile(path);
    const base = { generatedStamp, checkedAt: Date.now() };
    const reference = sourceMappingUrl(text);
    let raw: string;
    let mapPath: string | undefined;
    let mapUrl: string;
    if (reference?.startsWith('data:')) {
      const decoded = decodeDataUrl(reference);
      if (decoded === undefined) return { ...base, mapPath: undefined, mapStamp: undefined, consumer: undefined, mapUrl: pathToFileURL(path).href, error: 'inline source map is not a JSON data URL' };
      raw = decoded;
      mapUrl = pathToFileURL(path).href;
    } else {
      if (reference !== undefined) {
        let url: URL;
        try {
          url = new URL(reference, pathToFileURL(path));
        } catch {
          return { ...base, mapPath: undefined, mapStamp: undefined, consumer: undefined, mapUrl: reference, error: `sourceMappingURL ${reference} is not a URL` };
        }
        // Maps are never fetched from the network: that would leak which code is being looked at.
        if (url.protocol !== 'file:') return { ...base, mapPath: undefined, mapStamp: undefined, consumer: undefined, mapUrl: url.href, error: undefined };
        mapPath = fileURLToPath(url);
      } else {
        mapPath = `${path}.map`;
      }
      let mapStat: Stamp;
      try {
        mapStat = toStamp(await this.fs.stat(mapPath));
        raw = await this.fs.readFile(mapPath);
      } catch {
        // With no comment and no neighbour .map, the file simply has no map.
        const error = reference === undefined ? undefined : `source map ${mapPath} cannot be read`;
        return { ...base, mapPath: undefined, mapStamp: undefined, consumer: undefined, mapUrl: pathToFileURL(mapPath).href, error };
      }
      mapUrl = pathToFileURL(mapPath).href;
      return { ...base, mapPath, mapStamp: mapStat, mapUrl, ...(await parseConsumer(raw, mapUrl)) };
    }
    return { ...base, mapPath: undefined, mapStamp: undefined, mapUrl, ...(await parseConsumer(raw, mapUrl)) };
  }

  private evict(): void {
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) return;
      this.invalidate(oldest.value);
    }
  }
}

async function parseConsumer(raw: string, mapUrl: string): Promise<{ consumer: Entry['consumer']; error: string | undefined }> {
  let json: unknown;
  try {
    // A map may start with the XSSI guard `)]}'` on its own line (source map spec, §"JSON over HTTP").
    json = JSON.parse(raw.replace(/^\)\]\}'[^\n]*\n/, ''));
  } catch {
    return { consumer: undefined, error: 'source map is not valid JSON' };
  }
  if (typeof json !== 'object' || json === null || (json as { version?: unknown }).version !== 3) {
    return { consumer: undefined, error: 'not a version 3 source map' };
  }
  const shape = json as { mappings?: unknown; sections?: unknown; sources?: unknown };
  if (!Array.isArray(shape.sections) && (typeof shape.mappings !== 'string' || !Array.isArray(shape.sources))) {
    return { consumer: undefined, error: 'source map has neither mappings nor sections' };
  }
  try {
    const consumer = await new SourceMapConsumer(json as RawSourceMap | RawIndexMap, mapUrl);
    return { consumer, error: undefined };
  } catch (error) {
    return { consumer: undefined, error: `source map cannot be parsed: ${describe(error)}` };
  }
}

/** The last `//# sourceMappingURL=` of a generated file (the spec says the last one counts). */
export function sourceMappingUrl(text: string): string | undefined {
  let at = text.length;
  for (;;) {
    const index = text.lastIndexOf('sourceMappingURL=', at);
    if (index < 3) return undefined;
    const lead = text.slice(index - 4, index);
    if (/\/\/[#@] $/.test(lead) || /\/\*[#@] $/.test(lead)) {
      const rest = text.slice(index + 'sourceMappingURL='.length);
      const url = /^[^\s'"*]+/.exec(rest)?.[0];
      // Only a comment that ends its line counts; a string literal quoting one does not.
      const after = rest.slice(url?.length ?? 0);
      if (url !== undefined && /^\s*(?:\*\/)?\s*(?:\n|$)/.test(after)) return url;
    }
    at = index - 1;
  }
}

function decodeDataUrl(url: string): string | undefined {
  const comma = url.indexOf(',');
  if (comma < 0) return undefined;
  const meta = url.slice(5, comma);
  if (!/^application\/(?:json|octet-stream)|^text\/plain|^$/i.test(meta)) return undefined;
  const body = url.slice(comma + 1);
  try {
    return /;base64$/i.test(meta) ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body);
  } catch {
    return undefined;
  }
}

function sourceToPath(source: string): string {
  if (!source.startsWith('file:')) return source;
  try {
    return fileURLToPath(source);
  } catch {
    return source;
  }
}

function toStamp(value: { readonly mtimeMs: number; readonly size: number }): Stamp {
  return { mtimeMs: value.mtimeMs, size: value.size };
}

function sameStamp(a: Stamp, b: Stamp): boolean {
  return a.mtimeMs === b.mtimeMs && a.size === b.size;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

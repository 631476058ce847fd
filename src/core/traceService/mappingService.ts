import { readFile, realpath, stat } from 'node:fs/promises';
import type { Span } from '../model/span';
import type { MappingContext, PathMappingRule, WorkspaceFolderInfo } from '../mapping/mappingContext';
import type { FileCandidate } from '../mapping/candidateLocation';
import { resolveLocation, resolveSpanLocation, type SpanLocationResult } from '../mapping/resolveSpanLocation';
import { isManifest, ServiceFolderFinder } from '../mapping/serviceFolderFinder';
import { SourceMapCache } from '../mapping/sourceMapCache';
import { joinFolderPath } from '../mapping/tracePath';
import { WorkspaceFileIndex, type WorkspaceFile } from '../mapping/workspaceFileIndex';

/** The editor's mapping settings and folders, as the adapter reads them. */
export interface MappingConfiguration {
  readonly folders: readonly WorkspaceFolderInfo[];
  readonly pathMappings: readonly PathMappingRule[];
  readonly serviceFolders: Readonly<Record<string, string>>;
  readonly caseInsensitive: boolean;
}

/**
 * A batch of file-watcher news for the index. `removed` entries may be directories: watchers
 * report a deleted directory only by its own path, so everything under it goes too.
 */
export interface FileIndexUpdate {
  readonly added?: readonly WorkspaceFile[];
  readonly removed?: readonly WorkspaceFile[];
  /** Files whose content changed: they stay indexed, but a rebuilt `.js` or `.map` needs its map parsed again. */
  readonly changed?: readonly WorkspaceFile[];
  readonly removedFolders?: readonly string[];
  /**
   * A full (re)indexing starts with this update: until one marked `complete` arrives the index is
   * partial, and annotations wait rather than count spans of files not listed yet as unmapped.
   */
  readonly rebuilding?: boolean;
  readonly complete?: boolean;
}

/** A stack frame the trace view or a script names (1-based, as printed). */
export interface FrameLocation {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly function?: string;
}

/** A mapping answer plus what the adapter needs to word it and to remember a choice. */
export interface SpanMapping extends SpanLocationResult {
  readonly service: string;
  readonly spanName: string;
  /**
   * False when this worker was never told the folders: it restarted (a crash starts a fresh one),
   * so the adapter sends the configuration and index again and retries.
   */
  readonly configured: boolean;
}

const generatedOrMap = /\.(?:js|mjs|cjs|jsx|map)$/i;

async function fileExists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Larger files are generated or vendored code, not worth reading on a lookup to find a declaration. */
const maxSourceBytes = 1024 * 1024;

async function readSource(path: string): Promise<string | undefined> {
  try {
    if ((await stat(path)).size > maxSourceBytes) return undefined;
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The mapping half of the trace service: the workspace file index and the parsed source maps live
 * here, in the worker, because resolution reads files and parses maps (nothing slow on
 * the extension host). The adapter feeds it the folder list, settings and watcher events.
 */
export class MappingService {
  private readonly index = new WorkspaceFileIndex();
  private readonly sourceMaps = new SourceMapCache();
  private readonly serviceFolders = new ServiceFolderFinder((path) => readFile(path, 'utf8').catch(() => undefined));
  private configuration: MappingConfiguration = { folders: [], pathMappings: [], serviceFolders: {}, caseInsensitive: false };
  private configured = false;
  /** `none` until the first update; a single update without `rebuilding` counts as the whole index. */
  private indexState: 'none' | 'partial' | 'whole' = 'none';

  constructor(private readonly findSpan: (traceId: string, spanId: string) => Span | undefined) {}

  configure(configuration: MappingConfiguration): Promise<void> {
    const kept = new Set(configuration.folders.map((f) => f.name));
    for (const folder of this.configuration.folders) if (!kept.has(folder.name)) this.index.removeFolder(folder.name);
    this.configuration = configuration;
    this.configured = true;
    this.serviceFolders.invalidate();
    return Promise.resolve();
  }

  /** Applies watcher news and answers with the index size (the adapter logs it). */
  updateFileIndex(update: FileIndexUpdate): Promise<number> {
    if (update.rebuilding === true) this.indexState = 'partial';
    else if (update.complete === true || this.indexState === 'none') this.indexState = 'whole';
    for (const folder of update.removedFolders ?? []) this.index.removeFolder(folder);
    for (const file of update.removed ?? []) {
      this.index.removeUnder(file.folder, file.relativePath);
      this.invalidate(file);
    }
    for (const file of update.added ?? []) {
      this.index.add(file.folder, file.relativePath);
      this.invalidate(file);
    }
    for (const file of update.changed ?? []) this.invalidate(file);
    // Inferred service folders follow the index: new or deleted directories and manifests, an edited manifest.
    const changedManifests = (update.changed ?? []).filter((f) => isManifest(f.relativePath));
    if ((update.added?.length ?? 0) > 0 || (update.removed?.length ?? 0) > 0 || (update.removedFolders?.length ?? 0) > 0 || changedManifests.length > 0) {
      this.serviceFolders.invalidate([...changedManifests, ...(update.removed ?? []), ...(update.added ?? [])]);
    }
    return Promise.resolve(this.index.size);
  }

  async mapSpan(traceId: string, spanId: string): Promise<SpanMapping> {
    const span = this.requireSpan(traceId, spanId);
    return { ...(await resolveSpanLocation(span, this.context())), service: span.resource.serviceName, spanName: span.name, configured: this.configured };
  }

  /**
   * Maps one frame of a span's stack trace, through the same rules as the span (its service
   * folder included) and source maps. A frame the user picked is tried even when it is library code.
   */
  async mapFrame(traceId: string, spanId: string, frame: FrameLocation): Promise<SpanMapping> {
    const span = this.requireSpan(traceId, spanId);
    const keys = ['code.file.path', ...(frame.line === undefined ? [] : ['code.line.number']), ...(frame.column === undefined ? [] : ['code.column.number'])];
    const candidate: FileCandidate = {
      kind: 'file',
      path: frame.file,
      line: frame.line,
      column: frame.column,
      function: frame.function,
      minimumSuffixSegments: 1,
      provenance: { source: 'attributes', keys },
    };
    return { ...(await this.resolveLocation(span.resource.serviceName, candidate)), service: span.resource.serviceName, spanName: span.name, configured: this.configured };
  }

  /** Where one path (and line) named by `service` is in the workspace. */
  resolveLocation(service: string, candidate: FileCandidate): Promise<SpanLocationResult> {
    return resolveLocation(service, candidate, this.context());
  }

  /** The configuration and index as they stand, to set up the same mapping elsewhere. */
  snapshot(): { readonly configuration: MappingConfiguration | undefined; readonly index: readonly FileIndexUpdate[] } {
    const files = this.index.files();
    const index: FileIndexUpdate[] = this.indexState === 'none' ? [] : [{ added: files, rebuilding: true }, ...(this.indexState === 'whole' ? [{ complete: true }] : [])];
    return { configuration: this.configured ? this.configuration : undefined, index };
  }

  /** Configured, and not halfway through indexing: a lookup that finds nothing now means nothing is there. */
  get isReady(): boolean {
    return this.configured && this.indexState !== 'partial';
  }

  /** Configured and given a whole index: what a mapping copied from a window must wait for. */
  get hasWholeIndex(): boolean {
    return this.configured && this.indexState === 'whole';
  }

  get isConfigured(): boolean {
    return this.configured;
  }

  dispose(): void {
    this.sourceMaps.dispose();
  }

  private context(): MappingContext {
    const c = this.configuration;
    return {
      folders: c.folders,
      index: this.index,
      pathMappings: c.pathMappings,
      serviceFolders: c.serviceFolders,
      caseInsensitive: c.caseInsensitive,
      realpath,
      sourceMaps: this.sourceMaps,
      fileExists: fileExists,
      readSource,
      inferServiceFolder: (service) => this.serviceFolders.find(service, c.folders, this.index),
    };
  }

  private requireSpan(traceId: string, spanId: string): Span {
    const span = this.findSpan(traceId, spanId);
    if (!span) throw new Error(`Span ${spanId} of trace ${traceId} is not loaded (the trace may have been closed or evicted). Open the trace again, then retry.`);
    return span;
  }

  private invalidate(file: WorkspaceFile): void {
    if (!generatedOrMap.test(file.relativePath)) return;
    const folder = this.configuration.folders.find((f) => f.name === file.folder);
    if (!folder) return;
    const path = joinFolderPath(folder.path, file.relativePath.split('/'));
    // The cache is keyed by the generated file; a `.map` change concerns the file it maps.
    this.sourceMaps.invalidate(path.replace(/\.map$/i, ''));
  }
}

import * as vscode from 'vscode';
import type { PathMappingRule } from '../core/mapping/mappingContext';
import type { FileIndexUpdate, MappingConfiguration } from '../core/traceService/mappingService';
import type { TraceQueries } from '../core/traceService/traceServiceProtocol';
import { folderInfo, workspaceFileOf } from './convert';
import { inspectSetting, readSetting, settingChanged } from './settings';

type WorkspaceFile = NonNullable<ReturnType<typeof workspaceFileOf>>;

/**
 * Dependencies are never application code, and a workspace holds tens of thousands of their
 * files; build output (dist/, out/) stays in, because source maps start there.
 */
const excluded = '**/{node_modules,.git}/**';
const maxFiles = 500_000;
const batchSize = 5_000;
const watcherDelayMs = 150;

/**
 * Keeps the trace-service worker's file index and mapping settings current: one `findFiles`
 * listing (which honours `files.exclude`) after activation, then file-watcher events in small
 * batches, and the `spanlens.pathMappings` / `spanlens.serviceFolders` settings and workspace
 * folders whenever they change. Mapping waits for `ready()`, never for a rescan.
 */
export class WorkspaceFileIndexer implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private building: Promise<void> | undefined;
  private pending: { added: WorkspaceFile[]; removed: WorkspaceFile[]; changed: WorkspaceFile[] } = { added: [], removed: [], changed: [] };
  private timer: ReturnType<typeof setTimeout> | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private disposed = false;

  constructor(
    private readonly queries: Pick<TraceQueries, 'configureMapping' | 'updateFileIndex'>,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Starts watching and builds the index in the background; called once, after activation. */
  start(): void {
    const watcher = vscode.workspace.createFileSystemWatcher('**/*');
    this.disposables.push(
      watcher,
      watcher.onDidCreate((uri) => void this.created(uri)),
      watcher.onDidDelete((uri) => this.queue('removed', uri)),
      watcher.onDidChange((uri) => this.queue('changed', uri)),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (settingChanged(event, 'spanlens.pathMappings', 'spanlens.serviceFolders')) void this.sendConfiguration();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders((event) => void this.foldersChanged(event)),
    );
    void this.ready();
  }

  /** Resolves once the configuration is sent and the first listing is indexed. */
  ready(): Promise<void> {
    this.building ??= this.rebuild().catch((error: unknown) => {
      this.building = undefined;
      throw error;
    });
    return this.building.then(() => this.flushing);
  }

  /** The worker restarted and lost everything: send it all again. */
  resync(): Promise<void> {
    this.building = undefined;
    return this.ready();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }

  /** What the worker is told: the folders and every level of the two settings. */
  configuration(): MappingConfiguration {
    const serviceFolders = readSetting('spanlens.serviceFolders');
    return {
      folders: (vscode.workspace.workspaceFolders ?? []).map(folderInfo),
      pathMappings: allPathMappings(),
      // Settings objects are read-only proxies, which cannot cross to the worker: copy the strings.
      serviceFolders: Object.fromEntries(
        Object.entries(typeof serviceFolders === 'object' && serviceFolders !== null ? serviceFolders : {}).filter((e): e is [string, string] => typeof e[1] === 'string'),
      ),
      // Default file systems of Windows and macOS ignore case; a trace path may differ in case.
      caseInsensitive: process.platform === 'win32' || process.platform === 'darwin',
    };
  }

  private async rebuild(): Promise<void> {
    const started = Date.now();
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.name);
    // Marked partial before the folders are known, so no span is placed against a half-built index.
    await this.queries.updateFileIndex({ removedFolders: folders, rebuilding: true });
    await this.sendConfiguration();
    const uris = await vscode.workspace.findFiles('**/*', excluded, maxFiles);
    const files = uris.filter(isIndexed).flatMap((uri) => workspaceFileOf(uri) ?? []);
    for (let i = 0; i < files.length; i += batchSize) await this.queries.updateFileIndex({ added: files.slice(i, i + batchSize) });
    // Annotations wait for the whole index, so no span is counted as unmapped halfway through.
    const size = await this.queries.updateFileIndex({ complete: true });
    this.log.info(`Code mapping: indexed ${size} workspace files in ${Date.now() - started} ms${uris.length >= maxFiles ? ` (stopped at ${maxFiles})` : ''}.`);
  }

  /** Sends the folders and settings now (a saved rule must apply to the very next lookup). */
  async sendConfiguration(): Promise<void> {
    await this.queries.configureMapping(this.configuration());
  }

  private async foldersChanged(event: vscode.WorkspaceFoldersChangeEvent): Promise<void> {
    try {
      await this.sendConfiguration();
      if (event.removed.length > 0) await this.queries.updateFileIndex({ removedFolders: event.removed.map((f) => f.name) });
      if (event.added.length === 0) return;
      await this.queries.updateFileIndex({ rebuilding: true });
      try {
        for (const folder of event.added) {
          const uris = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/*'), excluded, maxFiles);
          const files = uris.filter(isIndexed).flatMap((uri) => workspaceFileOf(uri) ?? []);
          for (let i = 0; i < files.length; i += batchSize) await this.queries.updateFileIndex({ added: files.slice(i, i + batchSize) });
        }
      } finally {
        await this.queries.updateFileIndex({ complete: true });
      }
    } catch (error: unknown) {
      this.log.warn(`Code mapping: could not index the changed workspace folders: ${String(error)}`);
    }
  }

  /** A created directory (a checkout, a moved folder) arrives as one event: list what it holds. */
  private async created(uri: vscode.Uri): Promise<void> {
    if (!isIndexed(uri)) return;
    let type: vscode.FileType;
    try {
      type = (await vscode.workspace.fs.stat(uri)).type;
    } catch {
      return;
    }
    if ((type & vscode.FileType.Directory) === 0) {
      this.queue('added', uri);
      return;
    }
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder) return;
    const inside = await vscode.workspace.findFiles(new vscode.RelativePattern(uri, '**/*'), excluded, maxFiles);
    for (const file of inside) this.queue('added', file);
  }

  private queue(kind: 'added' | 'removed' | 'changed', uri: vscode.Uri): void {
    if (this.disposed || !isIndexed(uri)) return;
    const file = workspaceFileOf(uri);
    if (!file) return;
    this.pending[kind].push(file);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const update: FileIndexUpdate = this.pending;
      this.pending = { added: [], removed: [], changed: [] };
      // In order: a delete then re-create of one file must end with the file indexed.
      this.flushing = this.flushing
        .then(async () => {
          await this.building;
          await this.queries.updateFileIndex(update);
        })
        .catch((error: unknown) => this.log.warn(`Code mapping: index update failed: ${String(error)}`));
    }, watcherDelayMs);
  }
}

/** Watchers report node_modules and .git too (only files.watcherExclude silences them). */
function isIndexed(uri: vscode.Uri): boolean {
  return uri.scheme === 'file' && !/\/(?:node_modules|\.git)(?:\/|$)/.test(uri.path);
}

/**
 * Every level of `spanlens.pathMappings`: VS Code replaces an array setting level by level, so a
 * rule remembered in the workspace would otherwise hide the user's own rules.
 */
export function allPathMappings(): PathMappingRule[] {
  const rules: PathMappingRule[] = [];
  const add = (value: unknown): void => {
    if (!Array.isArray(value)) return;
    for (const item of value as unknown[]) {
      if (typeof item !== 'object' || item === null) continue;
      const { from, to, service } = item as Record<string, unknown>;
      if (typeof from !== 'string' || typeof to !== 'string' || from === '') continue;
      const rule: PathMappingRule = typeof service === 'string' ? { from, to, service } : { from, to };
      if (!rules.some((r) => r.from === rule.from && r.to === rule.to && r.service === rule.service)) rules.push(rule);
    }
  };
  const root = inspectSetting('spanlens.pathMappings');
  add(root?.globalValue);
  add(root?.workspaceValue);
  for (const folder of vscode.workspace.workspaceFolders ?? []) add(inspectSetting('spanlens.pathMappings', folder.uri)?.workspaceFolderValue);
  return rules;
}

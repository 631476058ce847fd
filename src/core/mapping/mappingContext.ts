import type { ServicePlace } from './serviceFolderFinder';
import type { SourceMapCache } from './sourceMapCache';
import type { WorkspaceFileIndex } from './workspaceFileIndex';

/** A prefix rule from `spanlens.pathMappings`. `to` may use `${workspaceFolder}` and `${workspaceFolder:name}`. */
export interface PathMappingRule {
  readonly from: string;
  readonly to: string;
  readonly service?: string;
}

/** A VS Code workspace folder, reduced to what the core needs: its name and file-system path. */
export interface WorkspaceFolderInfo {
  readonly name: string;
  readonly path: string;
}

/** Everything mapping needs from the editor, injected so the core stays vscode-free. */
export interface MappingContext {
  readonly folders: readonly WorkspaceFolderInfo[];
  readonly index: WorkspaceFileIndex;
  readonly pathMappings?: readonly PathMappingRule[];
  /** `spanlens.serviceFolders`: service.name → folder name, `${workspaceFolder…}/sub` or a path. */
  readonly serviceFolders?: Readonly<Record<string, string>>;
  /** Compare paths ignoring case (Windows, default macOS volumes). */
  readonly caseInsensitive?: boolean;
  /**
   * `fs.promises.realpath` or a stand-in. Without it symlinks are not checked; with it a file whose
   * real path leaves every workspace folder is refused.
   */
  readonly realpath?: (path: string) => Promise<string>;
  /** Source maps for generated JavaScript; without it `.js` locations are returned as they are. */
  readonly sourceMaps?: SourceMapCache;
  /**
   * Whether a file exists on this machine (`fs.promises.stat` or a stand-in). Without it a path
   * outside the workspace is offered to open anyway, and dependencies the index leaves out
   * (`node_modules`) are not looked for.
   */
  readonly fileExists?: (path: string) => Promise<boolean>;
  /**
   * A source file's text, or undefined when it cannot be read or is too big to search: the
   * declaration search behind symbol-only spans. Without it symbols are left to the editor.
   */
  readonly readSource?: (path: string) => Promise<string | undefined>;
  /** The folder of a service absent from `serviceFolders`, inferred from manifests and folder names. */
  readonly inferServiceFolder?: (service: string) => Promise<ServicePlace | undefined>;
}

import * as vscode from 'vscode';

/**
 * Every conversion between VS Code's types and SpanLens's plain values lives here: paths and
 * Uris now, 0-based positions and 1-based lines later. Nothing else converts by hand.
 */

/** A command argument that names files: a Uri, an absolute path, or a list of them. */
export function filePathsFromArgument(argument: unknown): string[] | undefined {
  if (argument === undefined || argument === null) return undefined;
  const items: unknown[] = Array.isArray(argument) ? argument : [argument];
  const paths: string[] = [];
  for (const item of items) {
    if (item instanceof vscode.Uri) paths.push(item.fsPath);
    else if (typeof item === 'string' && item.length > 0) paths.push(item.startsWith('file:') ? uriOf(item).fsPath : item);
    else throw new Error(`SpanLens: expected a file Uri or an absolute path, got ${describe(item)}.`);
  }
  return paths.length > 0 ? paths : undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

export function pathToUri(path: string): vscode.Uri {
  return vscode.Uri.file(path);
}

/** What commands accept as a file: a Uri, a `file:` Uri as text, or a path. */
export function uriOf(value: vscode.Uri | string): vscode.Uri {
  if (value instanceof vscode.Uri) return value;
  return value.startsWith('file:') ? vscode.Uri.parse(value) : vscode.Uri.file(value);
}

/** Paths from a drag-and-drop `text/uri-list`. */
export function pathsFromUriList(list: string): string[] {
  return list
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'))
    .map((line) => vscode.Uri.parse(line))
    .filter((uri) => uri.scheme === 'file' || uri.scheme === 'vscode-remote')
    .map((uri) => uri.fsPath);
}

/** SpanLens's 1-based line and column (either may be unknown) as a VS Code 0-based position. */
export function toPosition(line: number | undefined, column: number | undefined): vscode.Position {
  return new vscode.Position(Math.max(0, (line ?? 1) - 1), Math.max(0, (column ?? 1) - 1));
}

/** A VS Code position as the 1-based line and column the contract's commands answer with. */
export function fromPosition(position: vscode.Position): { line: number; column: number } {
  return { line: position.line + 1, column: position.character + 1 };
}

/** A workspace folder as the mapping core knows it: its name and file-system path. */
export function folderInfo(folder: vscode.WorkspaceFolder): { name: string; path: string } {
  return { name: folder.name, path: folder.uri.fsPath };
}

/**
 * A Uri as a file of the index (`folder` name and `/`-separated path below it), or undefined when
 * it is the folder itself or lies in no workspace folder. Uri paths are `/`-separated on every
 * platform, so the slice needs no separator handling.
 */
export function workspaceFileOf(uri: vscode.Uri): { folder: string; relativePath: string } | undefined {
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  if (!folder) return undefined;
  const root = folder.uri.path.replace(/\/+$/, '');
  if (!uri.path.startsWith(`${root}/`)) return undefined;
  return { folder: folder.name, relativePath: uri.path.slice(root.length + 1) };
}

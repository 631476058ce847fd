import * as vscode from 'vscode';

/**
 * The `spanlens.traces` view. It has no sources wired in yet, so it stays empty and VS Code
 * shows the view's welcome content, which tells a new user what to do.
 */
export class TracesTreeProvider implements vscode.TreeDataProvider<vscode.TreeItem> {
  private readonly changed = new vscode.EventEmitter<vscode.TreeItem | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  getTreeItem(element: vscode.TreeItem): vscode.TreeItem {
    return element;
  }

  getChildren(): vscode.TreeItem[] {
    return [];
  }

  dispose(): void {
    this.changed.dispose();
  }
}

import * as vscode from 'vscode';
import type { CommandId } from '../shared/contract';

export type CommandHandler = (...args: unknown[]) => unknown;

/** A failure the handler already showed with its own actions; the registry only rejects. */
export class ReportedError extends Error {
  constructor(
    message: string,
    readonly shown: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ReportedError';
  }
}

/**
 * Whether the workbench (command palette, keybinding, menu, tree item, `command:` link) runs the
 * command, rather than code in this extension host calling `vscode.commands.executeCommand`.
 * The workbench reaches an extension's command only through the extension host's RPC entry
 * `$executeContributedCommand`, whose name the protocol keeps in every build (RPC method names
 * are exempt from VS Code's name mangling); a local call goes through `executeCommand` instead.
 * Must run synchronously in the command's callback: the frame is gone after the first await.
 */
export function invokedByWorkbench(): boolean {
  return new Error().stack?.includes('$executeContributedCommand') === true;
}

/**
 * Wraps a command so each failure shows one message. It shows the failure itself (unless the
 * handler already did, see ReportedError), then:
 * - called by the workbench, resolves `undefined`: a rejection would be shown a second time by
 *   the workbench (the palette opens a modal "Command … resulted in an error", a keybinding adds
 *   a toast), issue 15;
 * - called by code (scripts, tests, other extensions), rejects with the Error, as the contract
 *   asks (../shared/reference/contract.md).
 */
export function reportingFailures(handler: CommandHandler): (...args: unknown[]) => Promise<unknown> {
  return (...args: unknown[]) => {
    const fromWorkbench = invokedByWorkbench();
    return (async () => {
      try {
        return await handler(...args);
      } catch (error: unknown) {
        const message = error instanceof Error ? error.message : String(error);
        if (!(error instanceof ReportedError && error.shown)) void vscode.window.showErrorMessage(message);
        if (fromWorkbench) return undefined;
        throw error instanceof Error ? error : new Error(message);
      }
    })();
  };
}

/** Registers every contract command. The Record type makes a missing handler a compile error. */
export function registerCommands(
  context: vscode.ExtensionContext,
  handlers: Readonly<Record<CommandId, CommandHandler>>,
): void {
  for (const [id, handler] of Object.entries(handlers) as [CommandId, CommandHandler][]) {
    context.subscriptions.push(vscode.commands.registerCommand(id, reportingFailures(handler)));
  }
}

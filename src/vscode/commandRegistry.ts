import * as vscode from 'vscode';
import type { CommandArgs, CommandHandlers, CommandId, CommandResult, ContextKey } from './contributions';

type UntypedHandler = (...args: unknown[]) => unknown;

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
 *   a toast);
 * - called by code (scripts, tests, other extensions), rejects with the Error, as the contract
 *   says of public commands.
 */
function reportingFailures(handler: UntypedHandler): (...args: unknown[]) => Promise<unknown> {
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

/**
 * Registers every command of contributions.ts, each reporting its failures as above. The mapped
 * type makes a missing handler, or one taking or returning the wrong type, a compile error.
 */
export function registerCommands(context: vscode.ExtensionContext, handlers: CommandHandlers): void {
  for (const id of Object.keys(handlers) as CommandId[]) {
    context.subscriptions.push(vscode.commands.registerCommand(id, reportingFailures(handlers[id] as UntypedHandler)));
  }
}

/** Runs one of this extension's commands with the arguments its declaration allows. */
export async function executeCommand<K extends CommandId>(id: K, ...args: CommandArgs<K>): Promise<Awaited<CommandResult<K>>> {
  return await vscode.commands.executeCommand<Awaited<CommandResult<K>>>(id, ...args);
}

export function setContext(key: ContextKey, value: boolean): void {
  void vscode.commands.executeCommand('setContext', key, value);
}

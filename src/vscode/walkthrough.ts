import * as vscode from 'vscode';
import { readSourceSettings } from './sourceSettings';

/**
 * The walkthrough's steps tick from what is true, not from a command having run (issue 15: step
 * 1 stayed unticked while the receiver ran, and `onCommand:` ticks a step whose command
 * failed). Each fact is a context key the manifest's `completionEvents` name as `onContext:…`.
 */
export const walkthroughContextKeys = {
  /** The built-in receiver listens (this window started it, or another did). */
  receiverRunning: 'spanlens.walkthrough.receiverRunning',
  /** The local store holds traces a service sent. */
  traceReceived: 'spanlens.walkthrough.traceReceived',
  /** A trace was shown: opened by id, from a file or a link, or from the Traces view. */
  traceOpened: 'spanlens.walkthrough.traceOpened',
  /** `spanlens.sources` names at least one usable backend. */
  sourceConfigured: 'spanlens.walkthrough.sourceConfigured',
  /** A span or frame was mapped to a line of the workspace and opened there. */
  mappingUsed: 'spanlens.walkthrough.mappingUsed',
} as const;

export type WalkthroughFact = keyof typeof walkthroughContextKeys;

/** Not in the palette: the walkthrough's button for `spanlens.sources`. */
export const editSourcesCommandId = 'spanlens.internal.editSources';

const values = new Map<WalkthroughFact, boolean>();

/** Sets the fact's context key when it changed; cheap to call on every status event. */
export function noteWalkthroughFact(fact: WalkthroughFact, value = true): void {
  if (values.get(fact) === value) return;
  values.set(fact, value);
  void vscode.commands.executeCommand('setContext', walkthroughContextKeys[fact], value);
}

/** A navigation's answer, noting the mapping used when it opened a location. */
export async function notedMapping<T>(navigation: Promise<T | undefined>): Promise<T | undefined> {
  const location = await navigation;
  if (location !== undefined) noteWalkthroughFact('mappingUsed');
  return location;
}

/**
 * `spanlens.sources` is machine-scoped. In a remote window (code-server, Remote SSH, a dev
 * container) the workbench lists machine settings only under the Remote tab, and opening the
 * settings on the User tab with the key found "No Settings Found" (issue 15); locally they
 * are user settings.
 */
async function editSources(): Promise<void> {
  const options = { query: '@id:spanlens.sources' };
  const remote = vscode.env.remoteName !== undefined;
  await vscode.commands.executeCommand(remote ? 'workbench.action.openRemoteSettings' : 'workbench.action.openSettings', options);
}

/** The settings facts, now and on every change, and the sources button. */
export function registerWalkthrough(context: vscode.ExtensionContext): void {
  const readSources = (): void => noteWalkthroughFact('sourceConfigured', readSourceSettings().sources.length > 0);
  readSources();
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((change) => {
      if (change.affectsConfiguration('spanlens.sources')) readSources();
    }),
    vscode.commands.registerCommand(editSourcesCommandId, editSources),
  );
}

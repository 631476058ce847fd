import * as vscode from 'vscode';
import { setContext } from './commandRegistry';
import { contextKeys } from './contributions';
import { settingChanged } from './settings';
import { readSourceSettings } from './sourceSettings';

/**
 * The walkthrough's steps tick from what is true, not from a command having run (step 1 stayed
 * unticked while the receiver ran, and `onCommand:` ticks a step whose command failed). Each
 * fact is a context key the manifest's `completionEvents` name as `onContext:…`.
 */
export type WalkthroughFact = Exclude<keyof typeof contextKeys, 'tracesLive' | 'tracesPending'>;

const values = new Map<WalkthroughFact, boolean>();

/** Sets the fact's context key when it changed; cheap to call on every status event. */
export function noteWalkthroughFact(fact: WalkthroughFact, value = true): void {
  if (values.get(fact) === value) return;
  values.set(fact, value);
  setContext(contextKeys[fact], value);
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
 * settings on the User tab with the key found "No Settings Found"; locally they
 * are user settings.
 */
export async function editSources(): Promise<void> {
  const options = { query: '@id:spanlens.sources' };
  const remote = vscode.env.remoteName !== undefined;
  await vscode.commands.executeCommand(remote ? 'workbench.action.openRemoteSettings' : 'workbench.action.openSettings', options);
}

/** The settings facts, now and on every change. */
export function registerWalkthrough(context: vscode.ExtensionContext): void {
  const readSources = (): void => noteWalkthroughFact('sourceConfigured', readSourceSettings().sources.length > 0);
  readSources();
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((change) => {
      if (settingChanged(change, 'spanlens.sources')) readSources();
    }),
  );
}

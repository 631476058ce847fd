import * as vscode from 'vscode';
import { BackendError, isBackendError } from '../core/backends/backendError';
import type { SourceConfig } from '../core/backends/sourceConfig';
import type { RemoteSourceEntry } from '../core/traceService/backendService';
import type { TraceQueries } from '../core/traceService/traceServiceProtocol';
import { executeCommand, ReportedError } from './commandRegistry';
import { showSettings } from './settings';
import type { SourceCredentialStore } from './sourceCredentials';
import { readProxySettings, readSourceSettings, type SourceSettings } from './sourceSettings';

export interface RemoteSourcesDeps {
  readonly queries: TraceQueries;
  readonly credentials: SourceCredentialStore;
  readonly log: vscode.LogOutputChannel;
}

/** The built-in receiver's name as `spanlens.defaultSource` and the `source` argument use it. */
export const localSourceName = 'local';

/**
 * The configured remote sources as the trace-service worker must see them. Every remote
 * operation starts with `prepare()`, which re-reads settings and secrets and sends them to the
 * worker (cheap: the worker keeps a source's client while its settings are unchanged), so a
 * changed URL, trust grant or stored token takes effect on the next request without listeners.
 */
export class RemoteSources {
  private reportedProblems = '';

  constructor(private readonly deps: RemoteSourcesDeps) {}

  async prepare(): Promise<SourceSettings> {
    const settings = readSourceSettings();
    this.reportProblems(settings.problems);
    const sources: RemoteSourceEntry[] = await Promise.all(settings.sources.map(async (config) => ({ config, credentials: await this.deps.credentials.get(config) })));
    await this.deps.queries.configureSources({ sources, proxy: readProxySettings() });
    return settings;
  }

  /**
   * The source a command should use. Asks only when `interactive` and there is a real choice;
   * a scripted call without a source gets the default, the only source, or a message saying
   * which names it may pass.
   */
  async chooseSource(settings: SourceSettings, requested: string | undefined, interactive: boolean, purpose: string): Promise<SourceConfig | undefined> {
    if (requested !== undefined) {
      const found = settings.sources.find((source) => source.name === requested);
      if (found) return found;
      const problem = settings.problems.find((text) => text.includes(`"${requested}"`));
      throw new Error(problem ?? `There is no trace source named "${requested}". ${available(settings)}`);
    }
    if (settings.sources.length === 0) throw new Error(`No remote trace source is configured. Add a Jaeger, Tempo or Zipkin source to the spanlens.sources setting (user settings), then try again.`);
    const preferred = settings.sources.find((source) => source.name === settings.defaultSource);
    if (settings.sources.length === 1) return settings.sources[0];
    if (!interactive) {
      if (preferred) return preferred;
      throw new Error(`Several trace sources are configured; say which one with "source" or set spanlens.defaultSource. ${available(settings)}`);
    }
    const ordered = preferred ? [preferred, ...settings.sources.filter((source) => source !== preferred)] : settings.sources;
    const picked = await vscode.window.showQuickPick(
      ordered.map((source) => ({ label: source.name, description: `${source.type} · ${source.url}`, ...(source === preferred ? { detail: 'default source' } : {}), source })),
      // Shown once the palette or an input box closed: see searchTraces.ts on webview focus arriving late.
      { title: `SpanLens: ${purpose}`, placeHolder: 'Which source?', ignoreFocusOut: true },
    );
    return picked?.source;
  }

  /**
   * Shows a failure of a remote request with what to do, and returns the error the command
   * rejects with. The message names the source (describeBackendFailure); for credentials the
   * notification also offers to set them.
   */
  failure(error: unknown): Error {
    if (!(error instanceof Error)) return new Error(String(error));
    if (!isBackendError(error)) return error;
    this.deps.log.error(error.message);
    const kind = error.failure.kind;
    const actions: string[] = [];
    if (kind === 'missingCredentials' || kind === 'auth' || kind === 'tenantRequired') actions.push(setCredentialsAction);
    if (kind === 'invalidConfig' || kind === 'tenantRequired' || kind === 'endpointNotFound' || kind === 'unreachable' || kind === 'dns') actions.push(openSettingsAction);
    void vscode.window.showErrorMessage(error.message, ...actions).then((choice) => {
      if (choice === setCredentialsAction) void executeCommand('spanlens.setSourceCredentials', error.sourceName);
      else if (choice === openSettingsAction) void showSettings('spanlens.sources');
    });
    return new ReportedError(error.message, true, { cause: error });
  }

  private reportProblems(problems: readonly string[]): void {
    const text = problems.join(' ');
    if (text === this.reportedProblems) return;
    this.reportedProblems = text;
    for (const problem of problems) this.deps.log.warn(problem);
    if (problems.length > 0)
      void vscode.window.showWarningMessage(`SpanLens: ${text}`, openSettingsAction).then((choice) => {
        if (choice === openSettingsAction) void showSettings('spanlens.sources');
      });
  }
}

const setCredentialsAction = 'Set Credentials…';
const openSettingsAction = 'Open Settings';

function available(settings: SourceSettings): string {
  return settings.sources.length === 0 ? 'No remote source is configured in spanlens.sources.' : `Configured: ${settings.sources.map((source) => `"${source.name}"`).join(', ')}.`;
}

/** Whether a failure is the user's own cancel, which deserves no error message. */
export function isCancellation(error: unknown): boolean {
  return error instanceof BackendError && error.failure.kind === 'cancelled';
}

/** An AbortSignal that follows a VS Code cancellation token, for requests sent to the worker. */
export function signalOf(token: vscode.CancellationToken): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  else token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

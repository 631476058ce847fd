import { join } from 'node:path';
import * as vscode from 'vscode';
import { exportEnvironment, launchEnvironment } from '../core/receiver/exportEnvironment';
import { describeReceiverStartFailure, type ReceiverStartFailure } from '../core/receiver/receiverStartError';
import { ServiceError, type LocalSourceEvent, type ReceiverSettings, type ReceiverStatus, type TraceQueries } from '../core/traceService/traceServiceProtocol';
import type { LocalServiceLaunch } from '../core/localService/localServiceConnection';
import { tracesViewId } from '../shared/contract';
import { ReportedError } from './commandRegistry';
import { commandInvocation } from './contributions';
import { readSetting, settingChanged, showSettings, updateSetting } from './settings';
import type { TracesTreeProvider } from './tracesTreeProvider';
import { noteWalkthroughFact } from './walkthrough';

export interface ReceiverStartResult {
  readonly endpoint: string;
  readonly httpPort: number;
  readonly grpcPort?: number;
}

export interface LocalReceiverDeps {
  readonly service: TraceQueries & { onLocalEvent(listener: (event: LocalSourceEvent) => void): { dispose(): void } };
  readonly tree: TracesTreeProvider;
  readonly log: vscode.LogOutputChannel;
  readonly context: vscode.ExtensionContext;
}

/** The address whose taken port was last reported, so it is reported once. */
const portNoticeKey = 'spanlens.receiver.portNotice';

/** Debug types whose launch configurations get the receiver's endpoint in their environment. */
const debugTypes = ['node', 'pwa-node', 'node-terminal', 'python', 'debugpy'] as const;

function isReceiverStartFailure(failure: unknown): failure is ReceiverStartFailure {
  return typeof failure === 'object' && failure !== null && 'kind' in failure;
}

function formatCount(count: number): string {
  if (count < 1000) return String(count);
  if (count < 1_000_000) return `${(count / 1000).toFixed(count < 10_000 ? 1 : 0)}k`;
  return `${(count / 1_000_000).toFixed(1)}M`;
}

/**
 * The built-in receiver as the editor presents it: the start/stop/clear commands, a status bar
 * item with its endpoint and span count, the tree's `local` source, and the environment that
 * makes local apps export to it (terminals opt in; debug launches by default). The receiver
 * and its store run in the trace service worker, so ingest never touches this thread.
 */
export class LocalReceiver implements vscode.Disposable {
  private readonly statusItem = vscode.window.createStatusBarItem('spanlens.receiver', vscode.StatusBarAlignment.Left, 10);
  private readonly disposables: { dispose(): unknown }[] = [];
  private status: ReceiverStatus | undefined;
  private startFailure: ReceiverStartFailure | undefined;

  constructor(private readonly deps: LocalReceiverDeps) {
    this.statusItem.name = 'SpanLens Receiver';
    this.statusItem.command = commandInvocation('spanlens.internal.receiverMenu', 'SpanLens Receiver');
    const subscription = deps.service.onLocalEvent((event) => this.onEvent(event));
    this.disposables.push(
      this.statusItem,
      { dispose: () => subscription.dispose() },
      vscode.workspace.onDidChangeConfiguration((change) => {
        if (settingChanged(change, 'spanlens.receiver.terminalEnvironment')) this.updateEnvironment();
      }),
      ...debugTypes.map((type) => vscode.debug.registerDebugConfigurationProvider(type, { resolveDebugConfiguration: (folder, config) => this.addDebugEnvironment(folder, config) })),
    );
    this.render();
  }

  /** Opens the store so traces kept from earlier are listed, and starts the receiver if asked to. */
  async initialize(): Promise<void> {
    try {
      this.apply(await this.deps.service.openLocal(this.settings()));
      if (readSetting('spanlens.receiver.autoStart')) await this.start({ interactive: false });
    } catch (error: unknown) {
      this.deps.log.error(`SpanLens: the local receiver could not start: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** `spanlens.receiver.start`. A port that is taken is reported with an offer of a free one. */
  async start(options: { interactive: boolean; anyPort?: boolean } = { interactive: true }): Promise<ReceiverStartResult> {
    const settings = this.settings(options.anyPort === true);
    try {
      const status = await this.deps.service.startReceiver(settings);
      this.startFailure = undefined;
      void this.deps.context.globalState.update(portNoticeKey, undefined);
      this.apply(status);
      this.deps.log.info(`Local receiver listening: OTLP/HTTP ${status.httpEndpoint ?? ''}${status.grpcEndpoint ? `, OTLP/gRPC ${status.grpcEndpoint}` : ''}.`);
      if (!status.httpEndpoint || status.httpPort === undefined) throw new Error('SpanLens: the receiver started but reported no address.');
      return { endpoint: status.httpEndpoint, httpPort: status.httpPort, ...(status.grpcPort === undefined ? {} : { grpcPort: status.grpcPort }) };
    } catch (error: unknown) {
      if (!(error instanceof ServiceError) || !isReceiverStartFailure(error.failure)) throw error;
      const failure = error.failure;
      this.startFailure = failure;
      this.render();
      const message = `SpanLens: the local receiver did not start: ${describeReceiverStartFailure(failure)}.`;
      this.deps.log.warn(message);
      if (failure.kind === 'portInUse') {
        const hint = message;
        if (options.interactive) void this.offerAnotherPort(hint);
        else void this.noticeOnce(`${failure.host}:${failure.port}`, hint);
        throw new ReportedError(`${hint} Start it on a free port from the status bar menu, or set spanlens.receiver.${failure.protocol === 'http' ? 'httpPort' : 'grpcPort'}.`, options.interactive, {
          cause: error,
        });
      }
      throw new Error(`${message} Check the spanlens.receiver settings.`, { cause: error });
    }
  }

  async stop(): Promise<void> {
    this.apply(await this.deps.service.stopReceiver());
    this.deps.log.info('Local receiver stopped.');
  }

  async clear(): Promise<void> {
    await this.deps.service.clearLocal();
    this.deps.log.info('Local traces cleared.');
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
    this.deps.context.environmentVariableCollection.clear();
  }

  private settings(anyPort = false): ReceiverSettings {
    return receiverSettings(this.deps.context, anyPort);
  }

  /**
   * Said once per taken address, not in every window and at every start: the program that holds
   * the port is the person's own, and SpanLens must not nag or fight it.
   */
  private async noticeOnce(address: string, message: string): Promise<void> {
    const state = this.deps.context.globalState;
    if (state.get<string>(portNoticeKey) === address) return;
    await state.update(portNoticeKey, address);
    const choice = await vscode.window.showWarningMessage(message, 'Start on a Free Port', "Don't Start Automatically");
    if (choice === 'Start on a Free Port') {
      await this.start({ interactive: true, anyPort: true }).then(
        (result) =>
          void vscode.window.showInformationMessage(
            `SpanLens: the local receiver listens on ${result.endpoint}. Set OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=${result.endpoint}/v1/traces for your service.`,
          ),
        (error: unknown) => this.deps.log.warn(error instanceof Error ? error.message : String(error)),
      );
    } else if (choice === "Don't Start Automatically") {
      await updateSetting('spanlens.receiver.autoStart', false, vscode.ConfigurationTarget.Global);
    }
  }

  private async offerAnotherPort(message: string): Promise<void> {
    const choice = await vscode.window.showErrorMessage(message, 'Start on a Free Port', 'Open Settings');
    if (choice === 'Start on a Free Port') {
      await this.start({ interactive: true, anyPort: true }).then(
        (result) => void vscode.window.showInformationMessage(`SpanLens: the local receiver listens on ${result.endpoint}. Set OTEL_EXPORTER_OTLP_ENDPOINT=${result.endpoint} for your service.`),
        (error: unknown) => void vscode.window.showErrorMessage(error instanceof Error ? error.message : String(error)),
      );
    } else if (choice === 'Open Settings') {
      await showSettings('spanlens.receiver');
    }
  }

  private onEvent(event: LocalSourceEvent): void {
    this.apply(event.status);
    if (event.type === 'traces') {
      this.deps.tree.setLocal({ running: event.status.running, endpoint: event.status.httpEndpoint, spanCount: event.status.spanCount, traces: event.traces });
    }
  }

  private apply(status: ReceiverStatus): void {
    const wasRunning = this.status?.running === true;
    const endpointChanged = this.status?.httpEndpoint !== status.httpEndpoint;
    this.status = status;
    noteWalkthroughFact('receiverRunning', status.running);
    noteWalkthroughFact('traceReceived', status.traceCount > 0);
    for (const warning of status.warnings) this.deps.log.warn(`Local store: ${warning}`);
    if (wasRunning !== status.running || endpointChanged) {
      this.updateEnvironment();
      // The tree's local node shows the endpoint; refresh its traces too.
      void this.deps.service.localTraces().then(
        (traces) => this.deps.tree.setLocal({ running: status.running, endpoint: status.httpEndpoint, spanCount: status.spanCount, traces }),
        () => undefined,
      );
    }
    this.render();
  }

  private render(): void {
    const status = this.status;
    if (this.startFailure?.kind === 'portInUse' && !status?.running) {
      this.statusItem.text = `$(warning) OTLP :${this.startFailure.port} in use`;
      this.statusItem.tooltip = `SpanLens: ${describeReceiverStartFailure(this.startFailure)}. Click to start on a free port.`;
      this.statusItem.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    } else if (status?.running) {
      this.statusItem.text = `$(radio-tower) OTLP :${status.httpPort ?? ''} · ${formatCount(status.spanCount)} spans`;
      const tooltip = new vscode.MarkdownString();
      tooltip.appendText(`SpanLens receiver: OTLP/HTTP ${status.httpEndpoint ?? ''}`);
      if (status.grpcEndpoint) tooltip.appendText(`, OTLP/gRPC ${status.grpcEndpoint}`);
      tooltip.appendText(`\n\n${status.traceCount} traces, ${status.spanCount} spans stored`);
      const storage = status.storage;
      if (storage) {
        tooltip.appendText(` (${formatMegabytes(storage.diskBytes)} of ${formatMegabytes(storage.maxBytes)} on disk)`);
        if (storage.truncatedValues > 0) tooltip.appendText(`; ${storage.truncatedValues} oversized attribute values shortened`);
        if (storage.refusedBatches > 0) tooltip.appendText(`; ${storage.refusedBatches} batches refused while the store was full (senders retry)`);
      }
      if ((status.droppedMetricRequests ?? 0) > 0) tooltip.appendText(`; ${status.droppedMetricRequests ?? 0} metrics exports answered and dropped (SpanLens keeps traces)`);
      tooltip.appendText('. Shared by every VS Code window. Click for actions.');
      this.statusItem.tooltip = tooltip;
      this.statusItem.backgroundColor = undefined;
    } else {
      this.statusItem.text = '$(debug-disconnect) OTLP off';
      this.statusItem.tooltip = 'SpanLens: the built-in OTLP receiver is stopped. Click to start it.';
      this.statusItem.backgroundColor = undefined;
    }
    this.statusItem.show();
  }

  async showMenu(): Promise<void> {
    const running = this.status?.running === true;
    const endpoint = this.status?.httpEndpoint;
    type Item = vscode.QuickPickItem & { run: () => Promise<unknown> };
    const items: Item[] = [];
    if (running && endpoint) {
      items.push(
        { label: '$(copy) Copy Endpoint', description: endpoint, run: () => Promise.resolve(vscode.env.clipboard.writeText(endpoint)) },
        {
          label: '$(terminal) Copy Environment Setting',
          description: `OTEL_EXPORTER_OTLP_ENDPOINT=${endpoint}`,
          run: () => Promise.resolve(vscode.env.clipboard.writeText(`OTEL_EXPORTER_OTLP_ENDPOINT=${endpoint}`)),
        },
        { label: '$(debug-stop) Stop Receiver', run: () => this.stop() },
      );
    } else {
      items.push({ label: '$(play) Start Receiver', run: () => this.start({ interactive: true }) });
      items.push({ label: '$(play) Start Receiver on a Free Port', run: () => this.start({ interactive: true, anyPort: true }) });
    }
    items.push(
      { label: '$(list-tree) Show Traces', run: () => Promise.resolve(vscode.commands.executeCommand(`${tracesViewId}.focus`)) },
      { label: '$(clear-all) Clear Local Traces', description: `${this.status?.traceCount ?? 0} traces`, run: () => this.clear() },
      { label: '$(settings-gear) Receiver Settings', run: () => showSettings('spanlens.receiver') },
    );
    const picked = await vscode.window.showQuickPick(items, { title: 'SpanLens: Local Receiver', placeHolder: running ? `Listening on ${endpoint ?? ''}` : 'Stopped' });
    if (!picked) return;
    try {
      await picked.run();
    } catch (error: unknown) {
      if (!(error instanceof ReportedError && error.shown)) void vscode.window.showErrorMessage(error instanceof Error ? error.message : String(error));
    }
  }

  /** Terminals opened from now on export their traces to the receiver, when the user opted in. */
  private updateEnvironment(): void {
    const collection = this.deps.context.environmentVariableCollection;
    const endpoint = this.status?.running ? this.status.httpEndpoint : undefined;
    const enabled = readSetting('spanlens.receiver.terminalEnvironment');
    collection.clear();
    if (!enabled || !endpoint) return;
    collection.description = `SpanLens: send OpenTelemetry traces to the built-in receiver at ${endpoint}`;
    for (const [name, value] of Object.entries(exportEnvironment(endpoint))) collection.replace(name, value);
  }

  /**
   * Adds the receiver's traces endpoint to a Node or Python launch, unless the launch's `env` or
   * `envFile` already says where traces go.
   */
  private async addDebugEnvironment(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration> {
    const endpoint = this.status?.running ? this.status.httpEndpoint : undefined;
    if (!endpoint || !readSetting('spanlens.receiver.debugEnvironment')) return config;
    const env = (typeof config['env'] === 'object' && config['env'] !== null ? config['env'] : {}) as Record<string, unknown>;
    const envFile = typeof config['envFile'] === 'string' ? await readEnvFile(config['envFile'], folder) : undefined;
    const merged = launchEnvironment(env, envFile, endpoint);
    if (merged !== undefined) config['env'] = merged;
    return config;
  }
}

/** A launch's envFile, `${workspaceFolder}` resolved; undefined when it cannot be read (the debugger reports that). */
async function readEnvFile(path: string, folder: vscode.WorkspaceFolder | undefined): Promise<string | undefined> {
  const resolved = folder ? path.replace(/\$\{workspaceFolder\}/g, folder.uri.fsPath) : path;
  if (resolved.includes('${')) return undefined;
  try {
    const bytes = await vscode.workspace.fs.readFile(vscode.Uri.file(resolved));
    return new TextDecoder().decode(bytes.subarray(0, 1024 * 1024));
  } catch {
    return undefined;
  }
}

function formatMegabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}

/** The `spanlens.receiver.*` settings as the trace service takes them. */
export function receiverSettings(context: vscode.ExtensionContext, anyPort = false): ReceiverSettings {
  const grpcPort = readSetting('spanlens.receiver.grpcPort');
  const allowedOrigins = readSetting('spanlens.receiver.allowedOrigins');
  return {
    host: readSetting('spanlens.receiver.host'),
    httpPort: anyPort ? 0 : readSetting('spanlens.receiver.httpPort'),
    grpcPort: anyPort && grpcPort !== 0 ? 'ephemeral' : grpcPort,
    maxSpans: readSetting('spanlens.receiver.maxSpans'),
    storeDirectory: join(context.globalStorageUri.fsPath, 'local-traces'),
    maxStorageBytes: readSetting('spanlens.receiver.maxStorageMB') * 1024 * 1024,
    // Copied: settings values are read-only proxies, which cannot cross to the worker.
    allowedOrigins: Array.isArray(allowedOrigins) ? allowedOrigins.filter((origin): origin is string => typeof origin === 'string') : [],
  };
}

/**
 * How a window starts the shared trace service: with VS Code's own runtime, so nothing else need
 * be installed, and the bounds the first window's settings give it.
 */
export function localServiceLaunch(context: vscode.ExtensionContext): LocalServiceLaunch {
  return {
    script: context.asAbsolutePath('dist/traceService.js'),
    execPath: process.execPath,
    idleMinutes: readSetting('spanlens.receiver.serviceIdleMinutes'),
    maxStorageMB: readSetting('spanlens.receiver.maxStorageMB'),
    // Windows of one workspace share its figures; VS Code gives each workspace its own storage.
    workspaceKey: context.storageUri?.toString() ?? 'no-workspace',
    storeDirectory: receiverSettings(context).storeDirectory,
    maxSpans: readSetting('spanlens.receiver.maxSpans'),
  };
}

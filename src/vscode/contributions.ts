import type * as vscode from 'vscode';
import type { RemoteFunctionSpansReport } from '../core/traceService/functionSpansService';
import type { FrameLocation } from '../core/traceService/mappingService';
import type { CodeLocationResult, ExplainResult } from './codeNavigation';
import type { ReceiverStartResult } from './localReceiver';
import type { SpanRef } from './mappingText';
import type { OpenTraceArgument, OpenTraceResult } from './openTrace';
import type { OpenTraceFileResult } from './openTraceFiles';
import type { RemoteLatencyArgument } from './remoteFunctionLatency';
import type { SearchArgument, SearchResultRow } from './searchTraces';
import type { ShowSpansResult } from './showSpansForFunction';
import type { CredentialsArgument, SetCredentialsResult } from './sourceCredentials';
import type { TraceTreeNode } from './tracesTreeProvider';
import type { CompareTracesResult } from './traceViewController';

/*
 * Every command, context key and setting, declared once with its types (as vscode-js-debug's
 * contributionUtils.ts does). commandRegistry.ts and settings.ts check calls against the types;
 * the values are what the manifest test needs, so nothing here needs `vscode` at runtime.
 */

/** `contract`: contract.md's table; `extra`: in package.json and README.md too; `internal`: in no menu or palette. */
export type CommandKind = 'contract' | 'extra' | 'internal';

/** The arguments and result live in the phantom `signature`; the value only carries the kind. */
export interface CommandDeclaration<Args extends unknown[], Result> {
  readonly kind: CommandKind;
  readonly signature?: (...args: Args) => Result;
}

function command<Args extends unknown[], Result = void>(kind: CommandKind): CommandDeclaration<Args, Result> {
  return { kind };
}

/** A Traces view row command takes the row VS Code passes, or a script's `{ traceId }`. */
type TraceRow = TraceTreeNode | { readonly traceId: string };
type Span = SpanRef | TraceTreeNode;
type FrameArgument = SpanRef & { readonly frame: FrameLocation };

/** Handlers check at runtime what a script passes; these types are what the compiler lets callers pass. */
export const commands = {
  'spanlens.openTrace': command<[argument?: OpenTraceArgument], OpenTraceResult | undefined>('contract'),
  'spanlens.openTraceFile': command<[argument?: vscode.Uri | string | readonly (vscode.Uri | string)[], selection?: readonly vscode.Uri[]], OpenTraceFileResult | undefined>('contract'),
  'spanlens.openTraceFromClipboard': command<[], OpenTraceResult | undefined>('contract'),
  'spanlens.searchTraces': command<[argument?: SearchArgument], { traces: SearchResultRow[] } | undefined>('contract'),
  'spanlens.goToSpanCode': command<[argument?: Span], CodeLocationResult | undefined>('contract'),
  'spanlens.explainMapping': command<[argument?: Span], ExplainResult>('contract'),
  'spanlens.showSpansForFunction': command<[argument?: { readonly uri: vscode.Uri | string; readonly line: number; readonly interactive?: boolean }], ShowSpansResult>('contract'),
  'spanlens.compareTraces': command<[argument?: { readonly traceId: string; readonly baselineTraceId: string }], CompareTracesResult | undefined>('contract'),
  'spanlens.exportTrace': command<[argument?: { readonly traceId: string; readonly file: string }], string | undefined>('contract'),
  'spanlens.receiver.start': command<[], ReceiverStartResult>('contract'),
  'spanlens.receiver.stop': command<[]>('contract'),
  'spanlens.receiver.clear': command<[]>('contract'),
  'spanlens.refreshAnnotations': command<[]>('contract'),
  'spanlens.goToFrame': command<[argument?: FrameArgument], CodeLocationResult | undefined>('contract'),
  'spanlens.setSourceCredentials': command<[argument?: string | CredentialsArgument], SetCredentialsResult | undefined>('extra'),
  'spanlens.showRemoteLatencyForFile': command<[argument?: RemoteLatencyArgument | vscode.Uri], RemoteFunctionSpansReport | undefined>('extra'),
  'spanlens.copyTraceId': command<[argument?: TraceRow], string | undefined>('extra'),
  'spanlens.showNewTraces': command<[], { shown: number }>('extra'),
  'spanlens.pauseLiveTraces': command<[], { live: boolean; pending: number }>('extra'),
  'spanlens.followLiveTraces': command<[], { live: boolean; pending: number }>('extra'),
  'spanlens.traceItem.open': command<[argument?: TraceRow], OpenTraceResult | undefined>('extra'),
  'spanlens.traceItem.compareWith': command<[argument?: TraceRow], CompareTracesResult | undefined>('extra'),
  'spanlens.traceItem.saveAsOtlpJson': command<[argument?: TraceRow], string | undefined>('extra'),
  'spanlens.traceItem.goToRootSpanCode': command<[argument?: TraceRow], CodeLocationResult | undefined>('extra'),
  /** Clicks on the Traces view's rows: "show more", a trace (its trace view), a span (its code, quietly when it has none). */
  'spanlens.internal.showMoreChildren': command<[node?: TraceTreeNode]>('internal'),
  'spanlens.internal.showTraceViewFromTree': command<[node?: TraceTreeNode]>('internal'),
  'spanlens.internal.goToSpanCodeFromTree': command<[node?: TraceTreeNode], CodeLocationResult | undefined>('internal'),
  'spanlens.internal.receiverMenu': command<[]>('internal'),
  /** The walkthrough's button for `spanlens.sources`. */
  'spanlens.internal.editSources': command<[]>('internal'),
  /** Trace ids in terminals, hovers and documents link here, as `command:` URIs. */
  'spanlens.openTraceLink': command<[argument: { readonly traceId: string }], OpenTraceResult | undefined>('internal'),
};

export type CommandId = keyof typeof commands;
type SignatureOf<K extends CommandId> = NonNullable<(typeof commands)[K]['signature']>;
export type CommandArgs<K extends CommandId> = Parameters<SignatureOf<K>>;
export type CommandResult<K extends CommandId> = ReturnType<SignatureOf<K>>;
export type CommandHandler<K extends CommandId> = (...args: CommandArgs<K>) => CommandResult<K> | PromiseLike<CommandResult<K>>;
/** One handler per declared command: a missing or mistyped handler is a compile error. */
export type CommandHandlers = { readonly [K in CommandId]: CommandHandler<K> };

export function commandIdsOf(kind: CommandKind): CommandId[] {
  return (Object.keys(commands) as CommandId[]).filter((id) => commands[id].kind === kind);
}

/**
 * Context keys: the Traces view's title bar (following live, traces waiting) and the walkthrough
 * steps' facts (its `completionEvents`), each set from what is true now.
 */
export const contextKeys = {
  tracesLive: 'spanlens.tracesLive',
  tracesPending: 'spanlens.tracesPending',
  receiverRunning: 'spanlens.walkthrough.receiverRunning',
  traceReceived: 'spanlens.walkthrough.traceReceived',
  traceOpened: 'spanlens.walkthrough.traceOpened',
  sourceConfigured: 'spanlens.walkthrough.sourceConfigured',
  mappingUsed: 'spanlens.walkthrough.mappingUsed',
} as const;

export type ContextKey = (typeof contextKeys)[keyof typeof contextKeys];

/**
 * Every `spanlens.*` setting with package.json's default (the manifest test holds both to it),
 * typed as a read returns it: `unknown` where the reader checks the value and says what is wrong.
 */
export const settings = {
  'spanlens.sources': [] as unknown,
  'spanlens.defaultSource': 'local' as unknown,
  'spanlens.receiver.autoStart': true,
  'spanlens.receiver.terminalEnvironment': false,
  'spanlens.receiver.debugEnvironment': true,
  'spanlens.receiver.host': '127.0.0.1',
  'spanlens.receiver.httpPort': 4318,
  'spanlens.receiver.grpcPort': 4317,
  'spanlens.receiver.maxSpans': 200_000,
  'spanlens.receiver.maxStorageMB': 512,
  'spanlens.receiver.allowedOrigins': [] as unknown,
  'spanlens.receiver.serviceIdleMinutes': 10,
  'spanlens.pathMappings': [] as unknown,
  'spanlens.serviceFolders': {} as unknown,
  'spanlens.annotations.codeLens': true,
  'spanlens.annotations.hover': true,
  'spanlens.annotations.decorations': false,
  'spanlens.annotations.diagnostics': true,
  'spanlens.annotations.window': '1h' as unknown,
  'spanlens.annotations.percentiles': [50, 95, 99] as unknown,
};

export type SettingKey = keyof typeof settings;
export type SettingValue<K extends SettingKey> = (typeof settings)[K];

/** A `vscode.Command` for a tree row, CodeLens or status bar item, its id and arguments checked. */
export function commandInvocation<K extends CommandId>(id: K, title: string, ...args: CommandArgs<K>): vscode.Command {
  return args.length === 0 ? { command: id, title } : { command: id, title, arguments: args };
}

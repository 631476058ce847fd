/**
 * The one message protocol between the extension host and the trace view webview.
 * Both sides switch over `type` exhaustively (see assertNever), so adding a message
 * without handling it fails to compile. Payloads use typed arrays where they are large:
 * postMessage's structured clone carries them as buffers, not as per-element JSON.
 */
import type { CompareResult } from './compareResult';
import type { SpanDetails, StackFrame } from './spanDetails';
import type { TraceViewData } from './traceViewData';

/** Webview → host. */
export type WebviewMessage =
  /** The webview has installed its message listener; the host posts nothing before this. */
  | { readonly type: 'ready' }
  | { readonly type: 'error'; readonly message: string }
  | { readonly type: 'requestSpanDetails'; readonly requestId: number; readonly traceId: string; readonly row: number }
  /** Attribute filters run where the attributes are (the trace service), not in the webview. */
  | { readonly type: 'requestAttributeMatches'; readonly requestId: number; readonly traceId: string; readonly key: string; readonly value: string }
  | { readonly type: 'goToSpanCode'; readonly traceId: string; readonly spanId: string; readonly row: number }
  | { readonly type: 'goToFrame'; readonly traceId: string; readonly spanId: string; readonly frame: StackFrame }
  | { readonly type: 'openTrace'; readonly traceId: string; readonly spanId?: string }
  /** Webviews cannot always write the clipboard; the host does it with vscode.env.clipboard. */
  | { readonly type: 'copy'; readonly text: string };

/** Host → webview. */
export type HostMessage =
  | { readonly type: 'showMessage'; readonly text: string }
  | { readonly type: 'clear' }
  | { readonly type: 'loadTrace'; readonly data: TraceViewData; readonly origin?: string; readonly revealSpanId?: string }
  | { readonly type: 'spanDetails'; readonly requestId: number; readonly details: SpanDetails | undefined }
  | { readonly type: 'attributeMatches'; readonly requestId: number; readonly rows: Uint32Array }
  | { readonly type: 'compareResult'; readonly result: CompareResult }
  | { readonly type: 'revealSpan'; readonly spanId: string };

export type WebviewMessageType = WebviewMessage['type'];

/** What the webview keeps with getState/setState and the serializer hands back after a reload. */
export interface TraceViewState {
  readonly traceId: string;
  /** Where the trace came from (a file path), so a restored panel can load it again. */
  readonly origin?: string;
  readonly selectedRow: number;
  readonly scrollRow: number;
  /** Rows whose subtree is folded; left out when a huge trace has too many to keep. */
  readonly collapsed: readonly number[];
  readonly viewStartNs: number;
  readonly viewEndNs: number;
  readonly criticalPath: boolean;
  readonly query: string;
  /** What had focus, given back when the panel is shown again. */
  readonly focus?: 'tree' | 'details' | 'search';
}

export function assertNever(value: never): never {
  throw new Error(`Unhandled message: ${JSON.stringify(value)}`);
}

const webviewMessageTypes: ReadonlySet<string> = new Set<WebviewMessageType>(['ready', 'error', 'requestSpanDetails', 'requestAttributeMatches', 'goToSpanCode', 'goToFrame', 'openTrace', 'copy']);

/** The host trusts nothing that a webview posts: a message must at least name a known type. */
export function isWebviewMessage(value: unknown): value is WebviewMessage {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' && webviewMessageTypes.has(type);
}

/** A restored state is whatever a previous webview saved: checked field by field. */
export function isTraceViewState(value: unknown): value is TraceViewState {
  if (typeof value !== 'object' || value === null) return false;
  const state = value as Record<string, unknown>;
  return typeof state['traceId'] === 'string' && typeof state['selectedRow'] === 'number' && Array.isArray(state['collapsed']);
}

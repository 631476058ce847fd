/**
 * The one message protocol between the extension host and the trace view webview.
 * Both sides switch over `type` exhaustively (see assertNever), so adding a message
 * without handling it fails to compile.
 */

/** Webview → host. */
export type WebviewMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'error'; readonly message: string };

/** Host → webview. */
export type HostMessage =
  | { readonly type: 'showMessage'; readonly text: string }
  | { readonly type: 'clear' };

export function assertNever(value: never): never {
  throw new Error(`Unhandled message: ${JSON.stringify(value)}`);
}

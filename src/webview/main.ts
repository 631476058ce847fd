import { assertNever, type HostMessage, type WebviewMessage } from '../shared/protocol';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

// acquireVsCodeApi may be called only once per webview.
const vscode = acquireVsCodeApi();
const root = document.getElementById('root');

function show(text: string): void {
  if (!root) return;
  // Span data is hostile: only ever text, never markup.
  root.textContent = text;
}

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'showMessage':
      show(message.text);
      break;
    case 'clear':
      show('');
      break;
    default:
      assertNever(message);
  }
});

vscode.postMessage({ type: 'ready' });

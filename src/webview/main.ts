import { assertNever, type HostMessage, type TraceViewState, type WebviewMessage } from '../shared/protocol';
import { TraceView } from './traceView';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

// acquireVsCodeApi may be called only once per webview.
const vscode = acquireVsCodeApi();
const root = document.getElementById('root') ?? document.body;

const view = new TraceView(root, {
  post: (message) => vscode.postMessage(message),
  getState: () => vscode.getState(),
  setState: (state: TraceViewState) => vscode.setState(state),
});

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  try {
    switch (message.type) {
      case 'showMessage':
        view.showMessage(message.text);
        break;
      case 'clear':
        view.clear();
        break;
      case 'loadTrace':
        view.load(message.data, message.origin, message.revealSpanId);
        break;
      case 'spanDetails':
        view.detailsReply(message.requestId, message.details);
        break;
      case 'attributeMatches':
        view.attributeReply(message.requestId, message.rows);
        break;
      case 'compareResult':
        view.showCompare(message.result);
        break;
      case 'revealSpan':
        view.revealSpan(message.spanId);
        break;
      default:
        assertNever(message);
    }
  } catch (error: unknown) {
    vscode.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  }
});

vscode.postMessage({ type: 'ready' });

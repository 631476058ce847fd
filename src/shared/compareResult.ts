// Produced by core (compareTraces), shown by the webview; see spanDetails.ts for why it lives in core.
export type { CompareEntry, CompareResult, CompareStatus } from '../core/traceView/compareResult';

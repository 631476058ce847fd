/**
 * The public surface users script against (../shared/reference/contract.md): command ids,
 * view ids and setting keys. Typed here once so a typo is a compile error, not a silent no-op.
 */

export const commandIds = [
  'spanlens.openTrace',
  'spanlens.openTraceFile',
  'spanlens.openTraceFromClipboard',
  'spanlens.searchTraces',
  'spanlens.goToSpanCode',
  'spanlens.explainMapping',
  'spanlens.showSpansForFunction',
  'spanlens.compareTraces',
  'spanlens.exportTrace',
  'spanlens.receiver.start',
  'spanlens.receiver.stop',
  'spanlens.receiver.clear',
  'spanlens.refreshAnnotations',
] as const;

export type CommandId = (typeof commandIds)[number];

/**
 * Commands beyond the contract's table that users would expect (contract.md: "Add more where
 * users would expect it"), each documented in README.md. The manifest test holds package.json
 * to exactly the contract commands plus these.
 */
export const extraCommandIds = [
  /** Issue 4: credentials of a `spanlens.sources` backend go to SecretStorage through this. */
  'spanlens.setSourceCredentials',
  /** Issue 7: production latency of the open file's functions, asked of a remote source. */
  'spanlens.showRemoteLatencyForFile',
  /** Issue 15: the Traces view's row id, and the live list's Show New / Pause / Follow Live. */
  'spanlens.copyTraceId',
  'spanlens.showNewTraces',
  'spanlens.pauseLiveTraces',
  'spanlens.followLiveTraces',
  /** Issue 15: a trace row's context menu, calling the public commands with the row's trace (not in the palette). */
  'spanlens.traceItem.open',
  'spanlens.traceItem.compareWith',
  'spanlens.traceItem.saveAsOtlpJson',
  'spanlens.traceItem.goToRootSpanCode',
] as const;

export type ExtraCommandId = (typeof extraCommandIds)[number];

export const viewContainerId = 'spanlens';
export const tracesViewId = 'spanlens.traces';
export const traceViewPanelType = 'spanlens.traceView';

export const extensionId = 'spanlens.spanlens';

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

export const viewContainerId = 'spanlens';
export const tracesViewId = 'spanlens.traces';
export const traceViewPanelType = 'spanlens.traceView';

export const extensionId = 'spanlens.spanlens';

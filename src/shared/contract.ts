/**
 * The extension's id and its views' ids. Commands, context keys and settings are declared with
 * their types in src/vscode/contributions.ts, beside the `vscode` types they name.
 */

export const viewContainerId = 'spanlens';
export const tracesViewId = 'spanlens.traces';
export const traceViewPanelType = 'spanlens.traceView';

export const extensionId = 'spanlens.spanlens';

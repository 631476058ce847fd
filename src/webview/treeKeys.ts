/** What a key does in the span tree, as data: the bindings live here, the actions in TraceView. */
export type TreeCommand =
  | { readonly kind: 'move'; readonly to: 'next' | 'previous' | 'pageDown' | 'pageUp' | 'first' | 'last' }
  | { readonly kind: 'expand' | 'collapse' | 'details' | 'closeDetails' | 'goToCode' | 'toggleCritical' | 'search' | 'resetZoom' }
  | { readonly kind: 'match'; readonly direction: 1 | -1 }
  /** Halves (0.5) or doubles (2) the time shown, around the middle. */
  | { readonly kind: 'zoom'; readonly factor: number };

const bindings: Readonly<Record<string, TreeCommand>> = {
  ArrowDown: { kind: 'move', to: 'next' },
  ArrowUp: { kind: 'move', to: 'previous' },
  PageDown: { kind: 'move', to: 'pageDown' },
  PageUp: { kind: 'move', to: 'pageUp' },
  Home: { kind: 'move', to: 'first' },
  End: { kind: 'move', to: 'last' },
  ArrowRight: { kind: 'expand' },
  ArrowLeft: { kind: 'collapse' },
  Enter: { kind: 'details' },
  Escape: { kind: 'closeDetails' },
  g: { kind: 'goToCode' },
  c: { kind: 'toggleCritical' },
  '/': { kind: 'search' },
  n: { kind: 'match', direction: 1 },
  N: { kind: 'match', direction: -1 },
  '+': { kind: 'zoom', factor: 0.5 },
  '=': { kind: 'zoom', factor: 0.5 },
  '-': { kind: 'zoom', factor: 2 },
  '0': { kind: 'resetZoom' },
};

/** The command of a key pressed in the tree; none with Alt, Ctrl or Cmd, which belong to VS Code. */
export function treeCommandOf(event: KeyboardEvent): TreeCommand | undefined {
  if (event.altKey || event.ctrlKey || event.metaKey) return undefined;
  return Object.hasOwn(bindings, event.key) ? bindings[event.key] : undefined;
}

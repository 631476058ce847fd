/**
 * Service colors come from the theme (light, dark and high-contrast through
 * `--vscode-*` variables). Red is left out: it means "error" in this view.
 */
export const serviceColorVariables = [
  '--vscode-charts-blue',
  '--vscode-charts-green',
  '--vscode-charts-orange',
  '--vscode-charts-purple',
  '--vscode-charts-yellow',
  '--vscode-terminal-ansiCyan',
  '--vscode-terminal-ansiMagenta',
  '--vscode-terminal-ansiBrightBlue',
  '--vscode-terminal-ansiBrightGreen',
  '--vscode-terminal-ansiBrightYellow',
] as const;

export function serviceColorVar(serviceIndex: number): string {
  return `var(${serviceColorVariables[serviceIndex % serviceColorVariables.length] ?? '--vscode-charts-blue'})`;
}

/** Resolved colors, for the canvas (which cannot read CSS variables itself). */
export function resolvedColor(variable: string, fallbackVariable = '--vscode-foreground'): string {
  const style = getComputedStyle(document.body);
  const value = style.getPropertyValue(variable).trim() || style.getPropertyValue(fallbackVariable).trim();
  return value || style.color;
}

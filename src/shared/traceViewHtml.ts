/**
 * The trace view's page. Shared so that the panel and the browser test serve exactly the same
 * CSP: no inline or remote script, only the bundle carrying this page's nonce. The page holds
 * no span data; everything arrives later by postMessage and is rendered as text.
 */
export interface TraceViewPageParts {
  /** `webview.cspSource`. */
  readonly cspSource: string;
  readonly nonce: string;
  readonly scriptUri: string;
  readonly styleUri: string;
}

export function traceViewCsp(parts: Pick<TraceViewPageParts, 'cspSource' | 'nonce'>): string {
  return [`default-src 'none'`, `script-src 'nonce-${parts.nonce}'`, `style-src ${parts.cspSource} 'nonce-${parts.nonce}'`, `img-src ${parts.cspSource}`, `font-src ${parts.cspSource}`].join('; ');
}

const attributeUnsafe = /["&<>]/;

export function traceViewHtml(parts: TraceViewPageParts): string {
  for (const value of [parts.cspSource, parts.nonce, parts.scriptUri, parts.styleUri]) {
    // These come from VS Code and from our own random nonce, but a quote would end the attribute.
    if (attributeUnsafe.test(value)) throw new Error(`unsafe character in page part: ${value}`);
  }
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${traceViewCsp(parts)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${parts.styleUri}" nonce="${parts.nonce}">
<title>Trace</title>
</head>
<body>
<div id="root"></div>
<script nonce="${parts.nonce}" src="${parts.scriptUri}"></script>
</body>
</html>`;
}

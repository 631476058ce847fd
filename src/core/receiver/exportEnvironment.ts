/**
 * The variables that make an OpenTelemetry SDK send its traces, and only its traces, to the
 * built-in receiver. The signal-specific names are used on purpose: with the generic
 * OTEL_EXPORTER_OTLP_ENDPOINT an SDK would also send logs and metrics here. The traces endpoint
 * is taken as the full URL, path included (OTLP exporter spec).
 */
export function exportEnvironment(httpEndpoint: string): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${httpEndpoint.replace(/\/+$/, '')}/v1/traces`,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
  };
}

/** Variables by which a person already chose where traces go; any of them means we add nothing. */
const userChoices = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_TRACES_EXPORTER'];

/**
 * A launch's `env` with the receiver's variables added, or undefined when the person already set
 * where traces go, in the launch's `env` or in its `envFile` (whose text is passed in): their
 * choice wins, and half of ours beside half of theirs would split the signals.
 */
export function launchEnvironment(env: Readonly<Record<string, unknown>>, envFileText: string | undefined, httpEndpoint: string): Record<string, unknown> | undefined {
  const fileKeys = envFileText === undefined ? new Set<string>() : envFileKeys(envFileText);
  if (userChoices.some((name) => name in env || fileKeys.has(name))) return undefined;
  return { ...exportEnvironment(httpEndpoint), ...env };
}

/** The keys a dotenv file sets: `KEY=value` lines, `export` allowed, comments and blanks skipped. */
export function envFileKeys(text: string): Set<string> {
  const keys = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=/.exec(line);
    if (match?.[1] !== undefined) keys.add(match[1]);
  }
  return keys;
}

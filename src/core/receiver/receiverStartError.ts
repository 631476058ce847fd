/** Why the receiver could not start listening, as data the adapter turns into an offer to act. */
export type ReceiverStartFailure =
  /** Another process (another window, a collector) holds the port; the adapter offers another. */
  | {
      readonly kind: 'portInUse';
      readonly protocol: 'http' | 'grpc';
      readonly host: string;
      readonly port: number;
      /** What could be told of the program holding it (see portHolder.ts). */ readonly holder?: string;
    }
  | { readonly kind: 'permissionDenied'; readonly protocol: 'http' | 'grpc'; readonly host: string; readonly port: number }
  /** The host is not an address of this machine. */
  | { readonly kind: 'addressUnavailable'; readonly protocol: 'http' | 'grpc'; readonly host: string; readonly port: number }
  | { readonly kind: 'alreadyStarted' }
  | { readonly kind: 'other'; readonly protocol: 'http' | 'grpc'; readonly host: string; readonly port: number; readonly detail: string };

export class ReceiverStartError extends Error {
  constructor(readonly failure: ReceiverStartFailure) {
    super(describeReceiverStartFailure(failure));
    this.name = 'ReceiverStartError';
  }
}

export function describeReceiverStartFailure(failure: ReceiverStartFailure): string {
  if (failure.kind === 'alreadyStarted') return 'the receiver is already running';
  const where = `${failure.host}:${failure.port} (OTLP/${failure.protocol === 'http' ? 'HTTP' : 'gRPC'})`;
  switch (failure.kind) {
    case 'portInUse':
      return `port ${failure.port} is already in use${failure.holder === undefined ? '' : `, held by ${failure.holder}`}, so the receiver cannot listen on ${where}`;
    case 'permissionDenied':
      return `this process may not listen on ${where}`;
    case 'addressUnavailable':
      return `${failure.host} is not an address of this machine, so the receiver cannot listen on ${where}`;
    case 'other':
      return `the receiver cannot listen on ${where}: ${failure.detail}`;
  }
}

/** Maps a listen() error to a failure. */
export function startFailureOf(error: unknown, protocol: 'http' | 'grpc', host: string, port: number): ReceiverStartFailure {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
  switch (code) {
    case 'EADDRINUSE':
      return { kind: 'portInUse', protocol, host, port };
    case 'EACCES':
    case 'EPERM':
      return { kind: 'permissionDenied', protocol, host, port };
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return { kind: 'addressUnavailable', protocol, host, port };
    default:
      return { kind: 'other', protocol, host, port, detail: error instanceof Error ? error.message : String(error) };
  }
}

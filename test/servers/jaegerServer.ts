import { inspectJaegerCache, inspectPythonVenv, jaegerBinary, jaegerConfig, jaegerModuleVersion } from './serverCache';
import { acceptsConnections, answers, freePorts, ServerProcess } from './serverProcess';
import type { RealServerRequirement } from './realServerGate';

export const jaegerRequirement: RealServerRequirement = {
  server: `Jaeger (Go module ${jaegerModuleVersion})`,
  tool: 'go',
  install: 'Go 1.26 or later',
  // The Python SDK sends to it too; the same set-up script installs both.
  problems: () => [...inspectJaegerCache(), ...inspectPythonVenv()],
};

export interface JaegerPorts {
  readonly otlpHttp: number;
  readonly otlpGrpc: number;
  readonly queryHttp: number;
  readonly queryGrpc: number;
}

/** A real Jaeger v2 with in-memory storage, every listener on 127.0.0.1 (jaeger-test.yaml). */
export class JaegerServer {
  private constructor(
    readonly process: ServerProcess,
    readonly ports: JaegerPorts,
  ) {}

  /** The query service, the URL a SpanLens source points at. */
  get queryUrl(): string {
    return `http://127.0.0.1:${this.ports.queryHttp}`;
  }

  get otlpHttpUrl(): string {
    return `http://127.0.0.1:${this.ports.otlpHttp}`;
  }

  get otlpGrpcUrl(): string {
    return `http://127.0.0.1:${this.ports.otlpGrpc}`;
  }

  /** Starts Jaeger and waits until both its query service and its OTLP receivers answer. */
  static async start(options: { readonly timeoutMs?: number } = {}): Promise<JaegerServer> {
    let lastError: unknown;
    // A port picked as free may be taken before Jaeger binds it; a second set of ports then.
    for (let attempt = 0; attempt < 3; attempt++) {
      const [otlpHttp = 0, otlpGrpc = 0, queryHttp = 0, queryGrpc = 0] = await freePorts(4);
      const ports = { otlpHttp, otlpGrpc, queryHttp, queryGrpc };
      const process = ServerProcess.start('Jaeger', jaegerBinary, ['--config', `file:${jaegerConfig}`], {
        JAEGER_OTLP_HTTP_PORT: String(otlpHttp),
        JAEGER_OTLP_GRPC_PORT: String(otlpGrpc),
        JAEGER_QUERY_HTTP_PORT: String(queryHttp),
        JAEGER_QUERY_GRPC_PORT: String(queryGrpc),
      });
      try {
        await process.waitUntil(
          async () => (await answers(`http://127.0.0.1:${queryHttp}/api/v3/services`)) && (await acceptsConnections(otlpHttp)) && (await acceptsConnections(otlpGrpc)),
          options.timeoutMs ?? 30_000,
        );
        return new JaegerServer(process, ports);
      } catch (error: unknown) {
        lastError = error;
        await process.stop();
        if (!/address already in use/i.test(process.recentOutput)) break;
      }
    }
    throw lastError;
  }

  stop(): Promise<void> {
    return this.process.stop();
  }
}

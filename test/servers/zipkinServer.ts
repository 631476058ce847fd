import { inspectZipkinCache, inspectPythonVenv, zipkinJar, zipkinVersion } from './serverCache';
import { answers, freePorts, ServerProcess } from './serverProcess';
import type { RealServerRequirement } from './realServerGate';

export const zipkinRequirement: RealServerRequirement = {
  server: `Zipkin ${zipkinVersion}`,
  tool: 'java',
  install: 'a JDK 17',
  // The Python SDK sends to it too; the same set-up script installs both.
  problems: () => [...inspectZipkinCache(), ...inspectPythonVenv()],
};

/**
 * A real Zipkin server with in-memory storage. Its one port (HTTP API, UI, the v2 span collector
 * and the gRPC collector share it) is bound to 127.0.0.1; scribe stays off; Armeria's own DNS
 * client, which would bind a UDP socket on every interface, is swapped for the JDK's resolver.
 */
export class ZipkinServer {
  private constructor(
    readonly process: ServerProcess,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(options: { readonly timeoutMs?: number } = {}): Promise<ZipkinServer> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const [port = 0] = await freePorts(1);
      const process = ServerProcess.start(
        'Zipkin',
        'java',
        [
          '-XX:TieredStopAtLevel=1',
          '-Xss512k',
          '-Dcom.linecorp.armeria.useJdkDnsResolver=true',
          '-jar',
          zipkinJar,
          '--server.address=127.0.0.1',
          `--server.port=${port}`,
          '--armeria.ports[0].ip=127.0.0.1',
          `--armeria.ports[0].port=${port}`,
          '--armeria.ports[0].protocols[0]=http',
        ],
        { STORAGE_TYPE: 'mem', COLLECTOR_SCRIBE_ENABLED: 'false', SELF_TRACING_ENABLED: 'false', JAVA_TOOL_OPTIONS: '' },
      );
      try {
        await process.waitUntil(() => answers(`http://127.0.0.1:${port}/api/v2/services`), options.timeoutMs ?? 60_000);
        return new ZipkinServer(process, port);
      } catch (error: unknown) {
        lastError = error;
        await process.stop();
        if (!/address already in use|BindException/i.test(process.recentOutput)) break;
      }
    }
    throw lastError;
  }

  stop(): Promise<void> {
    return this.process.stop();
  }
}

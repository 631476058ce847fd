import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

/** The venv scripts/setup-servers.sh makes, and the sender it runs. */
export const pythonVenvPython = resolve(__dirname, '..', '..', '..', '..', '.vscode-test', 'python-otel', 'bin', 'python');
export const pythonSender = resolve(__dirname, '..', '..', '..', '..', 'test', 'clients', 'python', 'send_traces.py');

export type PythonProtocol = 'http' | 'grpc' | 'zipkin';

export interface PythonSent {
  readonly service: string;
  readonly protocol: PythonProtocol;
  /** 32 lower-case hex characters each. */
  readonly traceIds: string[];
  readonly spanCount: number;
}

/**
 * Sends traces with the real OpenTelemetry Python SDK (send_traces.py: a SERVER root
 * `GET /checkout` and `charge-card` children with `code.function.name = chargeCard`,
 * `code.file.path = src/payments.py`). Rejects with the sender's own output when an export fails.
 */
export function sendPythonTraces(endpoint: string, protocol: PythonProtocol, service: string, traces: number, spansPerTrace = 3): Promise<PythonSent> {
  return new Promise((resolvePromise, reject) => {
    execFile(pythonVenvPython, [pythonSender, endpoint, protocol, service, String(traces), String(spansPerTrace)], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`the Python sender failed (${protocol} to ${endpoint}): ${error.message}\n${stderr}`));
        return;
      }
      try {
        resolvePromise(JSON.parse(stdout) as PythonSent);
      } catch {
        reject(new Error(`the Python sender printed no JSON: ${stdout}\n${stderr}`));
      }
    });
  });
}

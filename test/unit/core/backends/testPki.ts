import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway certificate authority with a server certificate (for 127.0.0.1, localhost,
 * source.test and elsewhere.test, names a test proxy resolves to loopback) and a client certificate.
 */
export interface TestPki {
  readonly dir: string;
  readonly caFile: string;
  readonly serverKey: Buffer;
  readonly serverCert: Buffer;
  readonly clientKeyFile: string;
  readonly clientCertFile: string;
  readonly ca: Buffer;
  remove(): void;
}

/** Made with the openssl command line; undefined when openssl is not installed. */
export function makeTestPki(): TestPki | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'spanlens-pki-'));
  const path = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: 'ignore' });
  };
  try {
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path('ca.key'), '-out', path('ca.pem'), '-days', '2', '-subj', '/CN=SpanLens Test CA');
    writeFileSync(path('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:source.test,DNS:elsewhere.test\n');
    writeFileSync(path('client.ext'), 'extendedKeyUsage=clientAuth\n');
    for (const [name, subject] of [
      ['server', '/CN=127.0.0.1'],
      ['client', '/CN=spanlens-client'],
    ] as const) {
      openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', path(`${name}.key`), '-out', path(`${name}.csr`), '-subj', subject);
      openssl(
        'x509',
        '-req',
        '-in',
        path(`${name}.csr`),
        '-CA',
        path('ca.pem'),
        '-CAkey',
        path('ca.key'),
        '-CAcreateserial',
        '-out',
        path(`${name}.pem`),
        '-days',
        '2',
        '-extfile',
        path(`${name}.ext`),
      );
    }
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  return {
    dir,
    caFile: path('ca.pem'),
    ca: readFileSync(path('ca.pem')),
    serverKey: readFileSync(path('server.key')),
    serverCert: readFileSync(path('server.pem')),
    clientKeyFile: path('client.key'),
    clientCertFile: path('client.pem'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

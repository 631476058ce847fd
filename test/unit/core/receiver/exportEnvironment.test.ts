import * as assert from 'node:assert/strict';
import { envFileKeys, exportEnvironment, launchEnvironment } from '../../../../src/core/receiver/exportEnvironment';

describe('the environment that points an SDK at the receiver', () => {
  it('names the traces signal only, with the full traces URL and the protocol', () => {
    assert.deepEqual(exportEnvironment('http://127.0.0.1:4318/'), {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
    });
    assert.ok(!('OTEL_EXPORTER_OTLP_ENDPOINT' in exportEnvironment('http://127.0.0.1:4318')), 'the generic endpoint would send logs and metrics too');
  });

  it('adds to a launch that chose nothing, keeping its other variables', () => {
    assert.deepEqual(launchEnvironment({ PORT: '3000' }, undefined, 'http://127.0.0.1:4318'), {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      PORT: '3000',
    });
  });

  it('adds nothing when the launch env or its envFile already says where traces go', () => {
    assert.equal(launchEnvironment({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, undefined, 'http://127.0.0.1:4318'), undefined);
    assert.equal(launchEnvironment({ OTEL_TRACES_EXPORTER: 'console' }, undefined, 'http://127.0.0.1:4318'), undefined);
    assert.equal(launchEnvironment({}, '# mine\nexport OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://jaeger:4318/v1/traces\n', 'http://127.0.0.1:4318'), undefined);
    assert.equal(launchEnvironment({}, 'OTEL_EXPORTER_OTLP_PROTOCOL = grpc\r\n', 'http://127.0.0.1:4318'), undefined);
  });

  it('reads dotenv keys, not comments or values', () => {
    assert.deepEqual([...envFileKeys('A=1\n  # B=2\nexport C = "x=y"\n\nD.E=3\n=bad\n')], ['A', 'C', 'D.E']);
  });
});

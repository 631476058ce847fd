import * as assert from 'node:assert/strict';
import { readSampling } from '../../../../src/core/aggregation/readSampling';
import { t0Ms, testSpan } from './aggregationFixtures';

describe('readSampling', () => {
  it('reads the W3C sampled bit and stays unknown without flags', () => {
    assert.deepEqual(readSampling(testSpan(t0Ms, 1, { flags: 0x01 })), { sampled: true, probability: undefined });
    assert.deepEqual(readSampling(testSpan(t0Ms, 1, { flags: 0x00 })), { sampled: false, probability: undefined });
    assert.deepEqual(readSampling(testSpan(t0Ms, 1)), { sampled: undefined, probability: undefined });
  });

  it('reads sampling probabilities from tracestate th, Jaeger sampler tags and SampleRate', () => {
    assert.equal(readSampling(testSpan(t0Ms, 1, { traceState: 'vendor=x,ot=rv:1234;th:8' })).probability, 0.5);
    assert.equal(readSampling(testSpan(t0Ms, 1, { traceState: 'ot=th:0' })).probability, 1);
    assert.equal(readSampling(testSpan(t0Ms, 1, { attributes: { 'sampler.type': 'probabilistic', 'sampler.param': '0.001' } })).probability, 0.001);
    assert.equal(readSampling(testSpan(t0Ms, 1, { attributes: { 'sampler.type': 'const', 'sampler.param': 1 } })).probability, undefined);
    assert.equal(readSampling(testSpan(t0Ms, 1, { attributes: { SampleRate: 20 } })).probability, 0.05);
    assert.equal(readSampling(testSpan(t0Ms, 1, { attributes: { 'sampling.priority': 0 }, flags: 1 })).sampled, false);
  });
});

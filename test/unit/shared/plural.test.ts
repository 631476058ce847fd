import * as assert from 'node:assert/strict';
import { plural } from '../../../src/shared/plural';

describe('plural', () => {
  it('says "1 span · 1 service", not "1 spans · 1 services"', () => {
    assert.equal(`${plural(1, 'span')} · ${plural(1, 'service')}`, '1 span · 1 service');
    assert.equal(plural(0, 'span'), '0 spans');
    assert.equal(plural(2, 'service'), '2 services');
    assert.equal(plural(1_048_576, 'span'), '1,048,576 spans');
    assert.equal(plural(3, 'match', 'matches'), '3 matches');
    assert.equal(plural(1, 'match', 'matches'), '1 match');
  });
});

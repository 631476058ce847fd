import * as assert from 'node:assert/strict';
import { isLoopbackAuthority } from '../../../../src/core/receiver/isLoopbackAuthority';

describe('isLoopbackAuthority', () => {
  it('accepts the loopback names and addresses, with or without a port', () => {
    for (const authority of [
      'localhost',
      'LocalHost:4318',
      'localhost.',
      'app.localhost',
      'my-app.dev.localhost:3000',
      '127.0.0.1',
      '127.0.0.1:4318',
      '127.255.0.9:65535',
      '[::1]',
      '[::1]:4317',
      '[0:0:0:0:0:0:0:1]:4317',
      '[::ffff:127.0.0.1]:4318',
    ]) {
      assert.equal(isLoopbackAuthority(authority), true, authority);
    }
  });

  it('refuses every other name, and anything that is not a plain host and port', () => {
    for (const authority of [
      '',
      'example.com',
      'attacker.example:4318',
      'localhost.example.com',
      'localhostx',
      '127.0.0.1.nip.io',
      '128.0.0.1',
      '127.0.0.256',
      '127.0.0.01',
      '127.1',
      '0.0.0.0',
      '10.0.0.7:4318',
      '::1',
      '[::2]:4318',
      '[::1',
      '[::1]x',
      '[::1]:',
      'localhost:',
      'localhost:http',
      'localhost:4318:1',
      'localhost:123456',
      'user@localhost',
      'localhost/evil',
      '.localhost',
      'a..localhost',
      'evil.com:localhost',
    ]) {
      assert.equal(isLoopbackAuthority(authority), false, authority);
    }
  });
});

import { BlockList, isIPv6 } from 'node:net';

// Only for the rare bracketed IPv6 authority: a BlockList check costs microseconds. It checks
// IPv4-mapped addresses (::ffff:127.0.0.1) against the IPv4 rule too.
const loopbackIpv6 = new BlockList();
loopbackIpv6.addSubnet('127.0.0.0', 8, 'ipv4');
loopbackIpv6.addAddress('::1', 'ipv6');

const port = /^[0-9]{1,5}$/;
// Names under .localhost resolve to loopback (RFC 6761 §6.3); browsers never send them anywhere else.
const localhostName = /^(?:[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?\.)*localhost\.?$/;
// 127.0.0.0/8 as a dotted quad without leading zeros, which some resolvers read as octal.
const loopbackIpv4 = /^127(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;

/**
 * Whether a Host header (or HTTP/2 :authority) names this machine's loopback interface:
 * localhost, a name under .localhost, an address in 127.0.0.0/8 or [::1], each with an optional
 * port. A page that a DNS-rebinding attack points at the receiver still sends the attacker's
 * name here, which is how a receiver bound to loopback tells its requests from a local client's
 * (https://en.wikipedia.org/wiki/DNS_rebinding#Protection). Strict on purpose: an unusual
 * spelling a real client would not send is refused rather than interpreted.
 */
export function isLoopbackAuthority(authority: string): boolean {
  const value = authority.toLowerCase();
  if (value.startsWith('[')) {
    const close = value.indexOf(']');
    if (close < 0) return false;
    const rest = value.slice(close + 1);
    if (rest !== '' && !(rest.startsWith(':') && port.test(rest.slice(1)))) return false;
    const address = value.slice(1, close);
    return isIPv6(address) && loopbackIpv6.check(address, 'ipv6');
  }
  const colon = value.indexOf(':');
  const host = colon < 0 ? value : value.slice(0, colon);
  if (colon >= 0 && !port.test(value.slice(colon + 1))) return false;
  return loopbackIpv4.test(host) || localhostName.test(host);
}

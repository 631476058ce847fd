import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ListeningSocket {
  /** `127.0.0.1`, `0.0.0.0`, `::1`, `::` … */
  readonly address: string;
  readonly port: number;
  readonly protocol: 'tcp' | 'tcp6' | 'udp' | 'udp6';
}

/**
 * The sockets a process (and its threads) listens on, read from /proc the way `ss -ltnup` does:
 * the process's socket inodes matched against the kernel's tables. Linux only. A test uses it to
 * prove a real server opened nothing but the loopback ports it was given.
 */
export function listeningSockets(pid: number): ListeningSocket[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match?.[1] !== undefined) inodes.add(match[1]);
    } catch {
      // The descriptor closed while we looked.
    }
  }
  const out: ListeningSocket[] = [];
  for (const protocol of ['tcp', 'tcp6', 'udp', 'udp6'] as const) {
    const lines = readFileSync(`/proc/${pid}/net/${protocol}`, 'utf8').split('\n').slice(1);
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      const [, local, , state, , , , , , inode] = fields;
      if (local === undefined || state === undefined || inode === undefined || !inodes.has(inode)) continue;
      // TCP: only LISTEN (0A). UDP: an unconnected bound socket (07) is how it receives.
      if (protocol.startsWith('tcp') ? state !== '0A' : state !== '07') continue;
      const [hexAddress = '', hexPort = '0'] = local.split(':');
      out.push({ address: decodeAddress(hexAddress), port: parseInt(hexPort, 16), protocol });
    }
  }
  return out;
}

/** /proc/net prints addresses as host-order 32-bit words in hex. */
function decodeAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((word) => (word.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '0:0:0:0:0:0:0:1' || address === '::1' || address.startsWith('::ffff:127.');
}

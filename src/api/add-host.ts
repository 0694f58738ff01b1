// `--add-host host:ip` (or host=ip) values, validated as the docker CLI does (opts.ValidateExtraHost):
// the IP in Go's canonical form, `[…]` around it allowed, `host-gateway` kept for the runtime.
import { isIPv4, isIPv6 } from 'node:net';
import { HOST_GATEWAY, type HostEntry } from '../runtime/host-entry.ts';
import { BerthError } from '../util/errors.ts';

function flagError(value: string, why: string): BerthError {
  return new BerthError('INVALID_ARGUMENT', `invalid argument "${value}" for "--add-host" flag: ${why}`, {
    hint: 'give host:ip or host=ip (an IPv6 address may be in brackets), or host:host-gateway',
  });
}

/** An address as Go's net.IP.String() prints it, or undefined when Go's net.ParseIP would refuse it. */
export function canonicalIp(text: string): string | undefined {
  const ip = text.trim();
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip) || ip.includes('%')) return undefined;
  // The URL parser compresses and lowercases IPv6 as RFC 5952 (Go does the same)…
  const v6 = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  // …but Go prints an IPv4-mapped address as the IPv4 one.
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
  if (!mapped) return v6;
  const [hi, lo] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/** One `--add-host` value; a malformed one fails with docker's message. */
export function parseAddHost(value: string): HostEntry {
  // host=ip first; else split on the first colon so that an IPv6 address keeps its own.
  const eq = value.indexOf('=');
  const sep = eq >= 0 ? eq : value.indexOf(':');
  const host = sep < 0 ? '' : value.slice(0, sep);
  if (sep < 0 || host === '' || host.includes(':')) throw flagError(value, `bad format for add-host: "${value}"`);
  let ip = value.slice(sep + 1);
  if (ip === HOST_GATEWAY) return { host, ip };
  if (ip.length > 2 && ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  const canonical = canonicalIp(ip);
  if (canonical === undefined) throw flagError(value, `invalid IP address in add-host: "${ip}"`);
  return { host, ip: canonical };
}

export function parseAddHosts(values: readonly string[]): HostEntry[] {
  return values.map(parseAddHost);
}

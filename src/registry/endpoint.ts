// Where a registry name is reached, by docker's rules: docker.io is served by registry-1.docker.io
// (after any configured mirrors, for pulls); loopback hosts (localhost, 127.0.0.0/8, ::1) and
// configured insecure registries are tried over HTTPS without certificate checks and then over
// plain HTTP; everything else is HTTPS only, verified against the system CAs plus any
// <certs dir>/<host[:port]>/*.crt.
import { readdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { DEFAULT_REGISTRY } from '../oci/index.ts';
import type { RegistrySettings } from './settings.ts';

export interface Endpoint {
  /** Base URL without a trailing slash, e.g. "https://registry-1.docker.io". */
  base: string;
  /** Skip TLS verification (insecure registries, docker's InsecureSkipVerify). */
  skipVerify: boolean;
  /** Extra CA certificates (PEM) for this host. */
  ca: string[];
  /** A docker.io mirror: a failure falls through to the next endpoint. */
  mirror: boolean;
  /** When this one fails to connect, the next endpoint is the same registry over another scheme. */
  fallback: boolean;
}

export const DOCKER_HUB_HOST = 'registry-1.docker.io';

function hostOnly(hostPort: string): string {
  if (hostPort.startsWith('[')) return hostPort.slice(1, hostPort.indexOf(']'));
  const colon = hostPort.lastIndexOf(':');
  return colon > 0 && hostPort.indexOf(':') === colon ? hostPort.slice(0, colon) : hostPort;
}

export function isLoopback(hostPort: string): boolean {
  const host = hostOnly(hostPort).toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

export function isInsecure(hostPort: string, settings: RegistrySettings): boolean {
  return isLoopback(hostPort) || settings.insecureRegistries.some((r) => r === hostPort || r === hostOnly(hostPort));
}

/** PEM CA files for a host from the certs dirs (first dir that has the host's folder wins). */
export function caFor(hostPort: string, settings: RegistrySettings): string[] {
  for (const dir of settings.certsDirs) {
    const hostDir = path.join(dir, hostPort.replace(/^\[|\]$/g, ''));
    let names: string[];
    try { names = readdirSync(hostDir); } catch { continue; }
    const crts = names.filter((n) => n.endsWith('.crt')).sort();
    if (crts.length) return crts.map((n) => readFileSync(path.join(hostDir, n), 'utf8'));
  }
  return [];
}

/** The endpoints for a registry, in the order to try them. Mirrors only for pulls from docker.io. */
export function endpointsFor(registry: string, settings: RegistrySettings, purpose: 'pull' | 'push'): Endpoint[] {
  const out: Endpoint[] = [];
  if (registry === DEFAULT_REGISTRY) {
    if (purpose === 'pull') {
      for (const m of settings.mirrors) {
        const host = new URL(m).host;
        out.push({ base: m, skipVerify: isInsecure(host, settings), ca: caFor(host, settings), mirror: true, fallback: false });
      }
    }
    out.push({ base: `https://${DOCKER_HUB_HOST}`, skipVerify: false, ca: caFor(DOCKER_HUB_HOST, settings), mirror: false, fallback: false });
    return out;
  }
  const ca = caFor(registry, settings);
  if (isInsecure(registry, settings)) {
    // docker's order: HTTPS first (unverified, unless a CA for the host is configured), then HTTP.
    out.push({ base: `https://${registry}`, skipVerify: ca.length === 0, ca, mirror: false, fallback: true });
    out.push({ base: `http://${registry}`, skipVerify: false, ca: [], mirror: false, fallback: false });
  } else {
    out.push({ base: `https://${registry}`, skipVerify: false, ca, mirror: false, fallback: false });
  }
  return out;
}

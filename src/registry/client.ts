// A connection to one registry for one repository: picks the endpoint (mirrors, HTTPS → HTTP
// fallback for insecure ones) with a ping of /v2/, then speaks the distribution API: manifests,
// blob HEAD/GET, uploads. Everything goes through the Transport (auth, retries, typed errors).
import { discard } from './bounded.ts';
import { endpointsFor } from './endpoint.ts';
import { RegistryError } from './errors.ts';
import type { RegistrySettings } from './settings.ts';
import { header, Transport, type TransportOptions } from './transport.ts';

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface ClientOptions extends TransportOptions {
  settings: RegistrySettings;
}

/** Connects to `registry` for `purpose`, trying its endpoints in order; the first that answers /v2/ wins. */
export async function connect(registry: string, purpose: 'pull' | 'push', opts: ClientOptions): Promise<Transport> {
  const endpoints = endpointsFor(registry, opts.settings, purpose);
  let last: unknown;
  for (const [i, endpoint] of endpoints.entries()) {
    const t = new Transport(registry, endpoint, opts);
    try {
      await ping(t);
      return t;
    } catch (e) {
      await t.close();
      last = e;
      if (opts.signal?.aborted) throw e;
      const more = i < endpoints.length - 1;
      // An HTTP answer (even an error) means we reached the registry: only mirrors fall through then.
      const reached = e instanceof RegistryError && e.status !== undefined;
      if (!more || (reached && !endpoint.mirror)) throw e;
      if (!endpoint.mirror && !endpoint.fallback) throw e;
    }
  }
  throw last;
}

/** GET /v2/: learns the auth challenge. 200 and 401 both mean "this is a registry". */
async function ping(t: Transport): Promise<void> {
  const res = await t.send({ method: 'GET', url: '/v2/', ok: [200, 401], scopes: [], what: `pinging ${t.registry}` });
  if (res.status === 401) t.auth.learn(res.headers['www-authenticate']);
  discard(res.body);
}

/** The Docker-Content-Digest header when it is a well-formed digest. */
export function contentDigest(res: { headers: Record<string, string | string[] | undefined> }): string | undefined {
  const d = header(res, 'docker-content-digest');
  return d && /^sha256:[0-9a-f]{64}$/.test(d) ? d : undefined;
}

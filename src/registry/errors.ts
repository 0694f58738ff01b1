// Typed registry failures: the HTTP status, the registry's own error codes (errors[].code/message),
// the request that failed (method and URL with credentials stripped) and whether a retry may help.
import { BerthError, type ErrorCode } from '../util/errors.ts';

/** One entry of a distribution error body: `{"errors":[{"code":"BLOB_UNKNOWN","message":"…"}]}`. */
export interface RegistryDiagnostic {
  code: string;
  message: string;
}

export interface RegistryErrorInit {
  status?: number | undefined;
  diagnostics?: RegistryDiagnostic[];
  method: string;
  url: string;
  retryable?: boolean;
  cause?: unknown;
  hint?: string | undefined;
  code?: ErrorCode;
}

/** Statuses a retry can fix: request timeout, throttling, and server-side failures (ggcr's set). */
export const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** A URL without userinfo and without query values that may carry secrets (tokens, signatures). */
export function redactUrl(url: string | URL): string {
  let u: URL;
  try { u = new URL(url); } catch { return '<invalid url>'; }
  u.username = '';
  u.password = '';
  for (const key of [...u.searchParams.keys()]) {
    if (/token|signature|sig|credential|secret|password|key|auth/i.test(key)) u.searchParams.set(key, 'REDACTED');
  }
  return u.toString();
}

export class RegistryError extends BerthError {
  readonly status: number | undefined;
  readonly diagnostics: RegistryDiagnostic[];
  /** "GET https://host/v2/…", redacted. */
  readonly request: string;
  readonly retryable: boolean;

  constructor(message: string, init: RegistryErrorInit) {
    const request = `${init.method} ${redactUrl(init.url)}`;
    const codes = (init.diagnostics ?? []).map((d) => (d.message ? `${d.code}: ${d.message}` : d.code));
    const detail = codes.length ? ` (${codes.join('; ')})` : '';
    super(init.code ?? (init.status === 401 || init.status === 403 ? 'REGISTRY_AUTH' : 'REGISTRY'), `${message}${detail}`, {
      cause: init.cause, ...(init.hint === undefined ? {} : { hint: init.hint }),
    });
    this.name = 'RegistryError';
    this.status = init.status;
    this.diagnostics = init.diagnostics ?? [];
    this.request = request;
    this.retryable = init.retryable ?? (init.status !== undefined && RETRYABLE_STATUS.has(init.status));
  }

  hasCode(code: string): boolean {
    return this.diagnostics.some((d) => d.code === code);
  }
}

/** Parses a distribution error body; anything else gives no diagnostics. */
export function parseDiagnostics(body: Buffer | undefined): RegistryDiagnostic[] {
  if (!body || body.length === 0) return [];
  try {
    const doc = JSON.parse(body.toString('utf8')) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    if (!Array.isArray(doc.errors)) return [];
    return doc.errors.map((e) => ({ code: String(e.code ?? 'UNKNOWN'), message: typeof e.message === 'string' ? e.message : '' }));
  } catch {
    return [];
  }
}

/** Network-level failures (reset, refused, timeout) that a retry may fix. */
export function isTransientNetworkError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|EAI_AGAIN|UND_ERR_SOCKET|UND_ERR_CONNECT_TIMEOUT|UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT|UND_ERR_CLOSED|ERR_STREAM_PREMATURE_CLOSE)$/.test(code);
}

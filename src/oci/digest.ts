// Content digests: the branded Digest string, parsing with go-digest's rules (sha256/sha512), hashing bytes.
import { createHash } from 'node:crypto';
import { BerthError } from '../util/errors.ts';

declare const digestBrand: unique symbol;

/** `<algorithm>:<lowercase hex>`, checked by parseDigest (or produced by hashing). */
export type Digest = string & { readonly [digestBrand]: 'Digest' };

export type DigestAlgorithm = 'sha256' | 'sha512';

/** Hex length of each supported algorithm. */
export const DIGEST_HEX_LENGTH: Readonly<Record<DigestAlgorithm, number>> = { sha256: 64, sha512: 128 };

// The OCI descriptor grammar for the algorithm part (registered or not).
const ALGORITHM_PATTERN = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*$/;
const LOWER_HEX = /^[a-f0-9]+$/;

function isSupportedAlgorithm(algorithm: string): algorithm is DigestAlgorithm {
  return algorithm === 'sha256' || algorithm === 'sha512';
}

/**
 * Why `text` is not a digest berth accepts, or undefined when it is one. The wording follows
 * go-digest ("invalid checksum digest format/length", "unsupported digest algorithm") with detail.
 */
export function digestProblem(text: string): string | undefined {
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) {
    return 'invalid checksum digest format: expected <algorithm>:<hex>';
  }
  const algorithm = text.slice(0, colon);
  const hex = text.slice(colon + 1);
  if (!ALGORITHM_PATTERN.test(algorithm)) {
    return `invalid checksum digest format: bad algorithm ${JSON.stringify(algorithm)}`;
  }
  if (!isSupportedAlgorithm(algorithm)) {
    return `unsupported digest algorithm ${JSON.stringify(algorithm)} (expected sha256 or sha512)`;
  }
  const want = DIGEST_HEX_LENGTH[algorithm];
  if (hex.length !== want) {
    return `invalid checksum digest length: ${algorithm} needs ${want} hex characters, got ${hex.length}`;
  }
  if (!LOWER_HEX.test(hex)) {
    return 'invalid checksum digest format: the encoded part must be lowercase hex';
  }
  return undefined;
}

/** True when `text` is a well-formed sha256/sha512 digest. */
export function isDigest(text: unknown): text is Digest {
  return typeof text === 'string' && digestProblem(text) === undefined;
}

/** Checks `text` and brands it; throws BerthError('INVALID_DIGEST') naming what is wrong. */
export function parseDigest(text: string): Digest {
  const problem = digestProblem(text);
  if (problem !== undefined) {
    throw new BerthError('INVALID_DIGEST', `invalid digest ${JSON.stringify(text)}: ${problem}`);
  }
  return text as Digest;
}

/** The algorithm part of a digest. */
export function digestAlgorithm(digest: Digest): DigestAlgorithm {
  return digest.slice(0, digest.indexOf(':')) as DigestAlgorithm;
}

/** The hex part of a digest (e.g. the blob's file name under `blobs/sha256/`). */
export function digestHex(digest: Digest): string {
  return digest.slice(digest.indexOf(':') + 1);
}

/** The digest of `bytes` with the given algorithm. */
export function digestOf(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): Digest {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}` as Digest;
}

/** The sha256 digest of `bytes`. */
export function sha256Of(bytes: Uint8Array): Digest {
  return digestOf(bytes, 'sha256');
}

/** True when `bytes` hash to `digest` (with the digest's own algorithm). */
export function digestMatches(digest: Digest, bytes: Uint8Array): boolean {
  return digestOf(bytes, digestAlgorithm(digest)) === digest;
}

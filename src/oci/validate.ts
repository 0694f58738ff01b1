// Validators over raw bytes: manifest, index, config, descriptor, layout header, and a whole image's invariants.
//
// Every failure is BerthError('INVALID_IMAGE') whose message names the document, the field path and
// what is wrong, e.g. `invalid image manifest: layers[1].digest: invalid checksum digest length: …`.
import { z } from 'zod';
import { BerthError } from '../util/errors.ts';
import { type Digest, digestAlgorithm, digestOf, digestProblem } from './digest.ts';
import {
  MediaType, type MediaTypeFamily, isConfigMediaType, isIndexMediaType, isManifestMediaType, isSchema1MediaType,
  layerCompression, mediaTypeFamily,
} from './media-types.ts';
import {
  DescriptorSchema, ImageConfigSchema, IndexSchema, LayoutHeaderSchema, ManifestSchema,
} from './schemas.ts';
import type { Descriptor, ImageConfig, Index, LayoutHeader, Manifest } from './types.ts';

/** Raw document bytes (a string is taken as its UTF-8 encoding). */
export type RawDocument = Uint8Array | string;

const MAX_REPORTED_ISSUES = 10;

function bytesOf(raw: RawDocument): Uint8Array {
  return typeof raw === 'string' ? new TextEncoder().encode(raw) : raw;
}

function invalid(what: string, problems: readonly string[]): BerthError {
  const shown = problems.slice(0, MAX_REPORTED_ISSUES);
  const more = problems.length > shown.length ? `; and ${problems.length - shown.length} more` : '';
  return new BerthError('INVALID_IMAGE', `invalid ${what}: ${shown.join('; ')}${more}`);
}

/** `layers[1].digest`, `config.Labels["com.example"]`, `os.version` at the top stays readable. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else if (typeof key === 'string' && out === '') out = key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isInteger(value)) return `number ${value}`;
  return typeof value;
}

function issueText(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'invalid_type':
      return input === undefined ? 'is required' : `must be ${issue.expected === 'int' ? 'an integer' : issue.expected}, got ${describeValue(input)}`;
    case 'invalid_value':
      if (input === undefined) return 'is required';
      return issue.message;
    case 'invalid_key': {
      // A record key failed its own schema: report that schema's message.
      const inner = issue.issues[0];
      return inner === undefined ? issue.message : issueText(inner);
    }
    default:
      return issue.message;
  }
}

function problemsOf(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = formatPath(issue.path);
    return path === '' ? issueText(issue) : `${path}: ${issueText(issue)}`;
  });
}

/** Decodes strict UTF-8 JSON; the result is untyped. */
function decodeJson(raw: RawDocument, what: string): unknown {
  let text: string;
  try {
    text = typeof raw === 'string' ? raw : new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw invalid(what, ['not valid UTF-8']);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw invalid(what, [`not valid JSON: ${(e as Error).message}`]);
  }
}

function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success) throw invalid(what, problemsOf(result.error));
  return result.data;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface ManifestOptions {
  /**
   * Accept a manifest with no layers (default true). The OCI schema says `minItems: 1`, but the spec
   * text says SHOULD and docker/BuildKit write `"layers": []` for a `FROM scratch` image with no files.
   */
  allowEmptyLayers?: boolean;
}

/** Parses and checks an image manifest (OCI or Docker schema 2). */
export function validateManifest(raw: RawDocument, options: ManifestOptions = {}): Manifest {
  const what = 'image manifest';
  const value = decodeJson(raw, what);
  if (isObject(value)) {
    if (value.schemaVersion === 1 || isSchema1MediaType(value.mediaType as string | undefined)) {
      throw invalid(what, ['schemaVersion: must be 2 (docker schema-1 manifests are not supported)']);
    }
    if (typeof value.mediaType === 'string' && isIndexMediaType(value.mediaType)) {
      throw invalid(what, [`mediaType: ${JSON.stringify(value.mediaType)} is an image index, not a manifest`]);
    }
  }
  const manifest = parseWith(ManifestSchema, value, what);
  const problems: string[] = [];
  if (manifest.mediaType !== undefined && !isManifestMediaType(manifest.mediaType)) {
    problems.push(`mediaType: unsupported manifest media type ${JSON.stringify(manifest.mediaType)}`);
  }
  if (manifest.mediaType === undefined && 'manifests' in manifest) {
    problems.push('manifests: a manifest must not have "manifests" (is this an index?)');
  }
  if (manifest.layers.length === 0 && options.allowEmptyLayers === false) {
    problems.push('layers: must have at least one entry');
  }
  if (problems.length > 0) throw invalid(what, problems);
  return manifest;
}

/** Parses and checks an image index (OCI index or Docker manifest list; also an OCI layout's index.json). */
export function validateIndex(raw: RawDocument): Index {
  const what = 'image index';
  const value = decodeJson(raw, what);
  if (isObject(value) && typeof value.mediaType === 'string' && isManifestMediaType(value.mediaType)) {
    throw invalid(what, [`mediaType: ${JSON.stringify(value.mediaType)} is an image manifest, not an index`]);
  }
  const index = parseWith(IndexSchema, value, what);
  const problems: string[] = [];
  if (index.mediaType !== undefined && !isIndexMediaType(index.mediaType)) {
    problems.push(`mediaType: unsupported index media type ${JSON.stringify(index.mediaType)}`);
  }
  if (index.mediaType === undefined && 'config' in index) {
    problems.push('config: an index must not have "config" (is this a manifest?)');
  }
  if (index.mediaType === MediaType.DockerManifestList) {
    index.manifests.forEach((m, i) => {
      if (!isManifestMediaType(m.mediaType)) {
        problems.push(`manifests[${i}].mediaType: a docker manifest list entry must be an image manifest, got ${JSON.stringify(m.mediaType)}`);
      }
    });
  }
  if (problems.length > 0) throw invalid(what, problems);
  return index;
}

/** Parses and checks an image configuration. */
export function validateConfig(raw: RawDocument): ImageConfig {
  return parseWith(ImageConfigSchema, decodeJson(raw, 'image config'), 'image config');
}

/** Parses and checks a content descriptor document. */
export function validateDescriptor(raw: RawDocument): Descriptor {
  return parseWith(DescriptorSchema, decodeJson(raw, 'descriptor'), 'descriptor');
}

/** Parses and checks an OCI layout's `oci-layout` file. */
export function validateLayoutHeader(raw: RawDocument): LayoutHeader {
  return parseWith(LayoutHeaderSchema, decodeJson(raw, 'oci-layout header'), 'oci-layout header');
}

// ---------------------------------------------------------------------------------------------
// Whole-image invariants

/** A layer blob as the caller holds it: its bytes, or the digest and size it measured while streaming. */
export type LayerBlobCheck = Uint8Array | { digest: string; size: number };

export interface ImageDocuments {
  manifestRaw: RawDocument;
  configRaw: RawDocument;
  /** Digests of the uncompressed layer tars, in manifest order, as measured by the caller. */
  layerDiffIds?: readonly string[];
}

export interface StrictImageDocuments extends ImageDocuments {
  /** The stored (possibly compressed) layer blobs, in manifest order, or their measured digest and size. */
  layerBlobs?: readonly LayerBlobCheck[];
  /** What the index entry or tag that led to this manifest says about it. */
  manifestDescriptor?: { digest: string; size: number; mediaType?: string };
}

export interface ValidatedImage {
  manifest: Manifest;
  config: ImageConfig;
  /** sha256 of the manifest bytes: the image's content address. */
  manifestDigest: Digest;
  /** sha256 of the config bytes: docker's image ID. */
  configDigest: Digest;
  family: MediaTypeFamily;
}

const FAMILY_NAME: Record<MediaTypeFamily, string> = { oci: 'OCI', docker: 'docker' };
const WITH_ARTICLE: Record<MediaTypeFamily, string> = { oci: 'an OCI', docker: 'a docker' };
const CONFIG_TYPE: Record<MediaTypeFamily, string> = { oci: MediaType.OciConfig, docker: MediaType.DockerConfig };

/** Checks a descriptor against the bytes it should describe; pushes problems named after `path`. */
function checkBlob(path: string, desc: { digest: string; size: number }, blob: LayerBlobCheck, problems: string[]): void {
  const measured = blob instanceof Uint8Array
    ? { digest: digestProblem(desc.digest) === undefined ? digestOf(blob, digestAlgorithm(desc.digest as Digest)) : '', size: blob.length }
    : blob;
  if (measured.size !== desc.size) problems.push(`${path}.size: ${desc.size} but the blob is ${measured.size} bytes`);
  if (measured.digest !== desc.digest) problems.push(`${path}.digest: ${desc.digest} but the blob hashes to ${measured.digest}`);
}

/**
 * Parses manifest and config and checks what the spec requires of them together: the config
 * descriptor matches the config bytes; one media type family throughout (OCI manifest → OCI config
 * and layers, docker → docker); layers, `rootfs.diff_ids` and non-empty history entries agree in
 * number; uncompressed layers' digests equal their diff_ids; and `layerDiffIds`, when given, equal
 * `rootfs.diff_ids`.
 */
export function validateImage(input: ImageDocuments): ValidatedImage {
  const manifest = validateManifest(input.manifestRaw);
  const configBytes = bytesOf(input.configRaw);
  const config = validateConfig(configBytes);
  const problems: string[] = [];

  const family = mediaTypeFamily(manifest.mediaType) ?? 'oci';
  const familyName = FAMILY_NAME[family];
  const aFamily = WITH_ARTICLE[family];

  // Config descriptor vs. config bytes.
  if (!isConfigMediaType(manifest.config.mediaType) || mediaTypeFamily(manifest.config.mediaType) !== family) {
    problems.push(`config.mediaType: ${JSON.stringify(manifest.config.mediaType)} in ${aFamily} manifest; expected ${CONFIG_TYPE[family]}`);
  }
  checkBlob('config', manifest.config, configBytes, problems);

  // Layer media types.
  manifest.layers.forEach((layer, i) => {
    if (layerCompression(layer.mediaType) === undefined) {
      problems.push(`layers[${i}].mediaType: ${JSON.stringify(layer.mediaType)} is not a layer media type`);
    } else if (mediaTypeFamily(layer.mediaType) !== family) {
      problems.push(`layers[${i}].mediaType: ${JSON.stringify(layer.mediaType)} is not ${aFamily} layer media type (the manifest is ${familyName})`);
    }
  });

  // Counts: layers = diff_ids = non-empty history entries.
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    problems.push(`rootfs.diff_ids: ${diffIds.length} entries but the manifest has ${manifest.layers.length} layers`);
  }
  if (config.history !== undefined) {
    const nonEmpty = config.history.filter((h) => h.empty_layer !== true).length;
    if (nonEmpty !== diffIds.length) {
      problems.push(`history: ${nonEmpty} entries without empty_layer but rootfs.diff_ids has ${diffIds.length}`);
    }
  }

  // An uncompressed layer's blob is its tar, so its digest is its diff_id.
  manifest.layers.forEach((layer, i) => {
    const diffId = diffIds[i];
    if (layerCompression(layer.mediaType) === 'none' && diffId !== undefined && layer.digest !== diffId) {
      problems.push(`layers[${i}].digest: ${layer.digest} is an uncompressed layer but rootfs.diff_ids[${i}] is ${diffId}`);
    }
  });

  if (input.layerDiffIds !== undefined) {
    const measured = input.layerDiffIds;
    if (measured.length !== diffIds.length) {
      problems.push(`rootfs.diff_ids: ${diffIds.length} entries but ${measured.length} layer tars were measured`);
    }
    measured.forEach((d, i) => {
      const want = diffIds[i];
      if (want !== undefined && d !== want) {
        problems.push(`rootfs.diff_ids[${i}]: ${want} but the layer tar hashes to ${d}`);
      }
    });
  }

  if (problems.length > 0) throw invalid('image', problems);
  return {
    manifest,
    config,
    manifestDigest: digestOf(bytesOf(input.manifestRaw)),
    configDigest: digestOf(configBytes),
    family,
  };
}

/**
 * validateImage plus what berth guarantees of every image it produces, pulls, loads or stores
 * (the check other modules' tests run on each image a code path yields):
 * - the manifest names its `mediaType` (required by docker, SHOULD in OCI) and the config has `history`;
 * - `layerBlobs`, when given, match the layer descriptors' digests and sizes;
 * - `manifestDescriptor`, when given, matches the manifest bytes and media type.
 */
export function validateImageStrict(input: StrictImageDocuments): ValidatedImage {
  const image = validateImage(input);
  const { manifest, config } = image;
  const problems: string[] = [];

  if (manifest.mediaType === undefined) problems.push('mediaType: is required (berth always writes it)');
  if (config.history === undefined) problems.push('history: is required (one entry per build step)');

  if (input.layerBlobs !== undefined) {
    if (input.layerBlobs.length !== manifest.layers.length) {
      problems.push(`layers: ${manifest.layers.length} descriptors but ${input.layerBlobs.length} layer blobs`);
    }
    input.layerBlobs.forEach((blob, i) => {
      const desc = manifest.layers[i];
      if (desc !== undefined) checkBlob(`layers[${i}]`, desc, blob, problems);
    });
  }

  const md = input.manifestDescriptor;
  if (md !== undefined) {
    checkBlob('manifestDescriptor', md, bytesOf(input.manifestRaw), problems);
    if (md.mediaType !== undefined && md.mediaType !== manifest.mediaType) {
      problems.push(`manifestDescriptor.mediaType: ${JSON.stringify(md.mediaType)} but the manifest says ${JSON.stringify(manifest.mediaType)}`);
    }
  }

  if (problems.length > 0) throw invalid('image', problems);
  return image;
}

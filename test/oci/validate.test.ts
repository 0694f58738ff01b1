// OCI validators: the image-spec's own examples are accepted, broken variants are rejected naming the
// field, and whole-image invariants (config bytes, counts, media type families) are enforced.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MediaType, sha256Of } from '../../src/oci/index.ts';
import {
  type RawDocument, validateConfig, validateDescriptor, validateImage, validateImageStrict,
  validateIndex, validateLayoutHeader, validateManifest,
} from '../../src/oci/validate.ts';
import { BerthError } from '../../src/util/errors.ts';

const SPEC_DIR = new URL('../../../shared/conformance/oci-image-spec-schema/', import.meta.url);
const EXAMPLES_DIR = new URL('examples/', SPEC_DIR);
const HAVE_EXAMPLES = existsSync(fileURLToPath(EXAMPLES_DIR));
const NO_EXAMPLES = `conformance data not found at ${fileURLToPath(EXAMPLES_DIR)}`;

/** A JSON document under test; loosely typed so tests can break it anywhere. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;

const enc = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value, null, 2));
const hex = (c: string): string => c.repeat(64);

/** Asserts BerthError('INVALID_IMAGE') whose message matches every pattern. */
function rejects(fn: () => unknown, ...patterns: RegExp[]): BerthError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof BerthError, `expected a BerthError, got ${String(caught)}`);
  assert.equal(caught.code, 'INVALID_IMAGE');
  for (const p of patterns) assert.match(caught.message, p);
  return caught;
}

// ---------------------------------------------------------------------------------------------
// The spec's examples

const VALIDATOR_BY_SUFFIX: ReadonlyArray<readonly [string, (raw: RawDocument) => unknown]> = [
  ['-descriptor.json', validateDescriptor],
  ['-manifest.json', validateManifest],
  ['-index.json', validateIndex],
  ['-config.json', validateConfig],
  ['-layout-header.json', validateLayoutHeader],
];

function readExample(name: string): Uint8Array {
  return readFileSync(new URL(name, EXAMPLES_DIR));
}

function exampleJson(name: string): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(readExample(name))) as Record<string, unknown>;
}

describe('image-spec v1.1.1 examples are accepted', { skip: HAVE_EXAMPLES ? false : NO_EXAMPLES }, () => {
  const files = HAVE_EXAMPLES ? readdirSync(fileURLToPath(EXAMPLES_DIR)).filter((f) => f.endsWith('.json')).sort() : [];

  test('the examples folder holds the ten spec examples', () => {
    assert.ok(files.length >= 10, `found ${files.length} examples`);
  });

  for (const file of files) {
    test(file, () => {
      const entry = VALIDATOR_BY_SUFFIX.find(([suffix]) => file.endsWith(suffix));
      assert.ok(entry, `no validator for ${file}: add its suffix to VALIDATOR_BY_SUFFIX`);
      entry[1](readExample(file));
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Broken variants

const GOOD_DIGEST = `sha256:${hex('a')}`;

function baseManifest(): Record<string, unknown> {
  if (HAVE_EXAMPLES) return exampleJson('manifest.md-1-manifest.json');
  return {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: GOOD_DIGEST, size: 7023 },
    layers: [1, 2, 3].map((n) => ({ mediaType: MediaType.OciLayerGzip, digest: `sha256:${hex(String(n))}`, size: 100 * n })),
  };
}

function baseIndex(): Record<string, unknown> {
  if (HAVE_EXAMPLES) return exampleJson('image-index.md-1-index.json');
  return {
    schemaVersion: 2,
    mediaType: MediaType.OciIndex,
    manifests: [{ mediaType: MediaType.OciManifest, digest: GOOD_DIGEST, size: 7143, platform: { architecture: 'amd64', os: 'linux' } }],
  };
}

function baseConfig(): Record<string, unknown> {
  if (HAVE_EXAMPLES) return exampleJson('config.md-1-config.json');
  return {
    architecture: 'amd64', os: 'linux', created: '2015-10-31T22:22:56.015925234Z',
    config: { Env: ['PATH=/bin'] },
    rootfs: { type: 'layers', diff_ids: [GOOD_DIGEST] },
    history: [{ created_by: 'x' }],
  };
}

/** A deep copy with `edit` applied. */
function variant<T>(base: T, edit: (copy: Doc) => void): Uint8Array {
  const copy = structuredClone(base) as Record<string, unknown>;
  edit(copy);
  return enc(copy);
}

describe('validateManifest rejects broken manifests, naming the field', () => {
  const m = baseManifest();
  const cases: ReadonlyArray<readonly [string, (c: Doc) => void, RegExp]> = [
    ['schemaVersion 1', (c) => { c.schemaVersion = 1; }, /^invalid image manifest: schemaVersion: must be 2 \(docker schema-1/],
    ['schemaVersion 3', (c) => { c.schemaVersion = 3; }, /^invalid image manifest: schemaVersion: must be 2$/],
    ['schemaVersion missing', (c) => { delete c.schemaVersion; }, /schemaVersion: is required/],
    ['schemaVersion as string', (c) => { c.schemaVersion = '2'; }, /schemaVersion: must be 2/],
    ['bad mediaType syntax', (c) => { c.mediaType = 'not a media type'; }, /^invalid image manifest: mediaType: must be a media type/],
    ['index mediaType', (c) => { c.mediaType = MediaType.OciIndex; }, /mediaType: "application\/vnd\.oci\.image\.index\.v1\+json" is an image index, not a manifest/],
    ['schema-1 mediaType', (c) => { c.mediaType = MediaType.DockerManifestSchema1Signed; }, /schema-1 manifests are not supported/],
    ['unknown manifest mediaType', (c) => { c.mediaType = 'application/vnd.example.thing+json'; }, /mediaType: unsupported manifest media type/],
    ['config missing', (c) => { delete c.config; }, /^invalid image manifest: config: is required$/],
    ['layers missing', (c) => { delete c.layers; }, /^invalid image manifest: layers: is required$/],
    ['layers not an array', (c) => { c.layers = {}; }, /layers: must be array, got object/],
    ['digest without algorithm', (c) => { c.layers[1].digest = hex('b'); }, /layers\[1\]\.digest: invalid checksum digest format/],
    ['digest too short', (c) => { c.layers[0].digest = 'sha256:abc'; }, /layers\[0\]\.digest: invalid checksum digest length: sha256 needs 64 hex characters, got 3/],
    ['digest uppercase hex', (c) => { c.config.digest = `sha256:${hex('A')}`; }, /config\.digest: invalid checksum digest format: the encoded part must be lowercase hex/],
    ['unsupported algorithm', (c) => { c.config.digest = `md5:${hex('a').slice(0, 32)}`; }, /config\.digest: unsupported digest algorithm "md5"/],
    ['negative size', (c) => { c.layers[0].size = -1; }, /layers\[0\]\.size: must not be negative/],
    ['fractional size', (c) => { c.layers[2].size = 1.5; }, /layers\[2\]\.size: must be an integer/],
    ['size as string', (c) => { c.config.size = '12'; }, /config\.size: must be number, got string/],
    ['size missing', (c) => { delete c.config.size; }, /config\.size: is required/],
    ['bad layer mediaType', (c) => { c.layers[0].mediaType = 'tar'; }, /layers\[0\]\.mediaType: must be a media type/],
    ['annotation value not a string', (c) => { c.annotations = { 'com.example': 1 }; }, /annotations\["com\.example"\]: must be string, got number/],
    ['bad url', (c) => { c.layers[0].urls = ['not a url']; }, /layers\[0\]\.urls\[0\]: must be an absolute URL/],
  ];
  for (const [name, edit, message] of cases) {
    test(name, () => { rejects(() => validateManifest(variant(m, edit)), message); });
  }

  test('several problems are all reported', () => {
    const err = rejects(() => validateManifest(variant(m, (c) => { c.layers[0].size = -1; c.layers[1].digest = 'x'; })));
    assert.match(err.message, /layers\[0\]\.size/);
    assert.match(err.message, /layers\[1\]\.digest/);
  });

  test('empty layers: accepted by default (FROM scratch), rejected when asked', () => {
    const raw = variant(m, (c) => { c.layers = []; });
    assert.deepEqual(validateManifest(raw).layers, []);
    rejects(() => validateManifest(raw, { allowEmptyLayers: false }), /layers: must have at least one entry/);
  });

  test('not JSON, not UTF-8, not an object', () => {
    rejects(() => validateManifest('{"schemaVersion": 2,'), /^invalid image manifest: not valid JSON/);
    rejects(() => validateManifest(new Uint8Array([0x7b, 0xff, 0x7d])), /^invalid image manifest: not valid UTF-8$/);
    rejects(() => validateManifest('[]'), /^invalid image manifest: must be object, got array$/);
    rejects(() => validateManifest('null'), /must be object, got null/);
  });

  test('unknown fields are kept as read', () => {
    const got = validateManifest(variant(m, (c) => { c['x-extra'] = { a: 1 }; c.config['x-note'] = 'kept'; })) as unknown as Doc;
    assert.deepEqual(got['x-extra'], { a: 1 });
    assert.equal(got.config['x-note'], 'kept');
  });

  test('a docker schema-2 manifest is accepted', () => {
    const got = validateManifest(enc({
      schemaVersion: 2,
      mediaType: MediaType.DockerManifest,
      config: { mediaType: MediaType.DockerConfig, size: 1469, digest: GOOD_DIGEST },
      layers: [{ mediaType: MediaType.DockerLayerGzip, size: 3, digest: `sha256:${hex('b')}` }],
    }));
    assert.equal(got.mediaType, MediaType.DockerManifest);
  });
});

describe('validateIndex rejects broken indexes, naming the field', () => {
  const idx = baseIndex();
  const cases: ReadonlyArray<readonly [string, (c: Doc) => void, RegExp]> = [
    ['schemaVersion 3', (c) => { c.schemaVersion = 3; }, /^invalid image index: schemaVersion: must be 2$/],
    ['manifests missing', (c) => { delete c.manifests; }, /^invalid image index: manifests: is required$/],
    ['platform without os', (c) => { delete c.manifests[0].platform.os; }, /manifests\[0\]\.platform\.os: is required/],
    ['platform os empty', (c) => { c.manifests[0].platform.os = ''; }, /manifests\[0\]\.platform\.os: must not be empty/],
    ['entry digest bad', (c) => { c.manifests[0].digest = 'sha256:'; }, /manifests\[0\]\.digest: invalid checksum digest format/],
    ['manifest mediaType', (c) => { c.mediaType = MediaType.OciManifest; }, /mediaType: .* is an image manifest, not an index/],
    ['unknown mediaType', (c) => { c.mediaType = 'application/json'; }, /mediaType: unsupported index media type "application\/json"/],
    ['docker list holding an index', (c) => {
      c.mediaType = MediaType.DockerManifestList;
      c.manifests[0].mediaType = MediaType.OciIndex;
    }, /manifests\[0\]\.mediaType: a docker manifest list entry must be an image manifest/],
  ];
  for (const [name, edit, message] of cases) {
    test(name, () => { rejects(() => validateIndex(variant(idx, edit)), message); });
  }

  test('a docker manifest list is accepted', () => {
    const got = validateIndex(enc({
      schemaVersion: 2,
      mediaType: MediaType.DockerManifestList,
      manifests: [{ mediaType: MediaType.DockerManifest, size: 7143, digest: GOOD_DIGEST, platform: { architecture: 'arm', os: 'linux', variant: 'v7', features: ['sse4'] } }],
    }));
    assert.equal(got.manifests[0]?.platform?.variant, 'v7');
  });
});

describe('validateConfig rejects broken configs, naming the field', () => {
  const cfg = baseConfig();
  const cases: ReadonlyArray<readonly [string, (c: Doc) => void, RegExp]> = [
    ['architecture missing', (c) => { delete c.architecture; }, /^invalid image config: architecture: is required$/],
    ['os empty', (c) => { c.os = ''; }, /^invalid image config: os: must not be empty$/],
    ['rootfs missing', (c) => { delete c.rootfs; }, /rootfs: is required/],
    ['rootfs.type wrong', (c) => { c.rootfs.type = 'tarball'; }, /rootfs\.type: must be "layers"/],
    ['diff_id malformed', (c) => { c.rootfs.diff_ids[1] = 'sha256:xyz'; }, /rootfs\.diff_ids\[1\]: invalid checksum digest length/],
    ['created not a date', (c) => { c.created = 'yesterday'; }, /created: must be an RFC 3339 date-time/],
    ['history created not a date', (c) => { c.history[0].created = '2015-10-31'; }, /history\[0\]\.created: must be an RFC 3339 date-time/],
    ['empty_layer not boolean', (c) => { c.history[1].empty_layer = 'yes'; }, /history\[1\]\.empty_layer: must be boolean, got string/],
    ['Env holds a number', (c) => { c.config.Env = ['A=1', 2]; }, /config\.Env\[1\]: must be string, got number/],
    ['ExposedPorts key', (c) => { c.config.ExposedPorts = { http: {} }; }, /config\.ExposedPorts\.http: must be a port like 80\/tcp/],
    ['ExposedPorts value', (c) => { c.config.ExposedPorts = { '80/tcp': 1 }; }, /config\.ExposedPorts\["80\/tcp"\]: must be object, got number/],
    ['Labels value', (c) => { c.config.Labels = { a: true }; }, /config\.Labels\.a: must be string, got boolean/],
    ['Healthcheck negative interval', (c) => { c.config.Healthcheck = { Test: ['CMD', 'true'], Interval: -5 }; }, /config\.Healthcheck\.Interval: must not be negative/],
    ['Healthcheck retries fractional', (c) => { c.config.Healthcheck = { Retries: 1.5 }; }, /config\.Healthcheck\.Retries: must be an integer/],
    ['ArgsEscaped not boolean', (c) => { c.config.ArgsEscaped = 'true'; }, /config\.ArgsEscaped: must be boolean/],
  ];
  for (const [name, edit, message] of cases) {
    test(name, () => { rejects(() => validateConfig(variant(cfg, edit)), message); });
  }

  test('docker writes null for unset lists and maps, and fields OCI does not define', () => {
    const got = validateConfig(enc({
      architecture: 'arm64', variant: 'v8', os: 'linux', created: '2024-01-02T03:04:05Z',
      config: {
        Hostname: '', Domainname: '', User: '', AttachStdin: false, Tty: false,
        Env: null, Cmd: null, Entrypoint: null, Volumes: null, Labels: null, OnBuild: null, Image: '',
        WorkingDir: '', ExposedPorts: { '80/tcp': {}, '53/udp': {} }, StopSignal: 'SIGTERM', Shell: ['/bin/sh', '-c'],
        Healthcheck: { Test: ['CMD-SHELL', 'curl -f localhost'], Interval: 30e9, Timeout: 5e9, StartPeriod: 0, StartInterval: 5e9, Retries: 3 },
        ArgsEscaped: true,
      },
      container_config: { Cmd: ['/bin/sh', '-c', '#(nop) CMD'] },
      docker_version: '24.0.7',
      rootfs: { type: 'layers', diff_ids: [] },
      history: [{ created: '2024-01-02T03:04:05+01:00', created_by: 'CMD ["sh"]', comment: 'buildkit.dockerfile.v0', empty_layer: true, author: 'me' }],
    }));
    assert.equal(got.config?.Env, null);
    assert.equal(got.config?.Healthcheck?.Retries, 3);
    assert.equal((got as unknown as Record<string, unknown>).docker_version, '24.0.7');
  });
});

describe('validateDescriptor and validateLayoutHeader', () => {
  const EMPTY_JSON_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

  test('embedded data must match size and digest', () => {
    const d = { mediaType: MediaType.OciEmpty, digest: EMPTY_JSON_DIGEST, size: 2, data: 'e30=' };
    validateDescriptor(enc(d));
    rejects(() => validateDescriptor(enc({ ...d, size: 3 })), /^invalid descriptor: data: decodes to 2 bytes but size is 3$/);
    rejects(() => validateDescriptor(enc({ ...d, data: 'W10=' })), /^invalid descriptor: data: does not hash to digest$/);
    rejects(() => validateDescriptor(enc({ ...d, data: 'e30' })), /data: must be base64/);
  });

  test('artifactType must be a media type', () => {
    rejects(() => validateDescriptor(enc({ mediaType: MediaType.OciManifest, digest: GOOD_DIGEST, size: 1, artifactType: 'sbom' })), /artifactType: must be a media type/);
  });

  test('oci-layout version', () => {
    assert.deepEqual(validateLayoutHeader('{"imageLayoutVersion":"1.0.0"}'), { imageLayoutVersion: '1.0.0' });
    rejects(() => validateLayoutHeader('{"imageLayoutVersion":"2.0.0"}'), /^invalid oci-layout header: imageLayoutVersion: must be "1\.0\.0"$/);
    rejects(() => validateLayoutHeader('{}'), /imageLayoutVersion: is required/);
  });
});

// ---------------------------------------------------------------------------------------------
// Whole-image invariants

interface Fixture {
  family: 'oci' | 'docker';
  /** One entry per layer: compressed blob and uncompressed tar (stand-ins: any bytes do). */
  layers: Array<{ blob: Uint8Array; tar: Uint8Array; compressed: boolean }>;
  /** History: `true` for a layer-producing step, `false` for an empty_layer step. */
  steps: boolean[];
}

function buildImage(fx: Fixture, editConfig?: (c: Doc) => void, editManifest?: (m: Doc) => void) {
  const oci = fx.family === 'oci';
  const config: Record<string, unknown> = {
    architecture: 'amd64', os: 'linux', created: '2024-05-06T07:08:09Z',
    config: { Env: ['PATH=/usr/bin:/bin'], Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: fx.layers.map((l) => sha256Of(l.tar)) },
    history: fx.steps.map((nonEmpty, i) => ({ created: '2024-05-06T07:08:09Z', created_by: `step ${i}`, ...(nonEmpty ? {} : { empty_layer: true }) })),
  };
  editConfig?.(config);
  const configRaw = enc(config);
  const manifest: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: oci ? MediaType.OciManifest : MediaType.DockerManifest,
    config: { mediaType: oci ? MediaType.OciConfig : MediaType.DockerConfig, digest: sha256Of(configRaw), size: configRaw.length },
    layers: fx.layers.map((l) => ({
      mediaType: oci ? (l.compressed ? MediaType.OciLayerGzip : MediaType.OciLayer) : (l.compressed ? MediaType.DockerLayerGzip : MediaType.DockerLayer),
      digest: sha256Of(l.compressed ? l.blob : l.tar),
      size: (l.compressed ? l.blob : l.tar).length,
    })),
  };
  editManifest?.(manifest);
  const manifestRaw = enc(manifest);
  return {
    manifestRaw, configRaw,
    layerDiffIds: fx.layers.map((l) => sha256Of(l.tar)),
    layerBlobs: fx.layers.map((l) => (l.compressed ? l.blob : l.tar)),
  };
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const TWO_LAYERS = (family: 'oci' | 'docker'): Fixture => ({
  family,
  layers: [
    { blob: bytes('gz-1'), tar: bytes('tar-1'), compressed: true },
    { blob: bytes('gz-2'), tar: bytes('tar-2'), compressed: true },
  ],
  steps: [true, false, true],
});

describe('validateImage: invariants', () => {
  for (const family of ['oci', 'docker'] as const) {
    test(`a consistent ${family} image passes (lenient and strict)`, () => {
      const img = buildImage(TWO_LAYERS(family));
      const got = validateImage(img);
      assert.equal(got.family, family);
      assert.equal(got.manifestDigest, sha256Of(img.manifestRaw));
      assert.equal(got.configDigest, sha256Of(img.configRaw));
      validateImageStrict({
        ...img,
        manifestDescriptor: { digest: sha256Of(img.manifestRaw), size: img.manifestRaw.length, mediaType: got.manifest.mediaType! },
      });
    });
  }

  test('a FROM scratch image with no layers passes', () => {
    validateImageStrict(buildImage({ family: 'oci', layers: [], steps: [false, false] }));
  });

  test('uncompressed layers pass when their digest is the diff_id', () => {
    const img = buildImage({ family: 'docker', layers: [{ blob: bytes(''), tar: bytes('tar'), compressed: false }], steps: [true] });
    validateImageStrict(img);
  });

  test('config descriptor digest must match the config bytes', () => {
    const img = buildImage(TWO_LAYERS('oci'), undefined, (m) => { m.config.digest = `sha256:${hex('0')}`; });
    rejects(() => validateImage(img), /^invalid image: config\.digest: sha256:0{64} but the blob hashes to sha256:[0-9a-f]{64}$/);
  });

  test('config descriptor size must match the config bytes', () => {
    const img = buildImage(TWO_LAYERS('oci'), undefined, (m) => { m.config.size += 1; });
    rejects(() => validateImage(img), /config\.size: \d+ but the blob is \d+ bytes/);
  });

  test('non-empty history entries must equal diff_ids', () => {
    const img = buildImage({ ...TWO_LAYERS('oci'), steps: [true, false, false] });
    rejects(() => validateImage(img), /history: 1 entries without empty_layer but rootfs\.diff_ids has 2/);
  });

  test('diff_ids must equal layers', () => {
    const img = buildImage({ ...TWO_LAYERS('oci'), steps: [true] }, (c) => { c.rootfs.diff_ids.pop(); });
    rejects(() => validateImage(img), /rootfs\.diff_ids: 1 entries but the manifest has 2 layers/);
  });

  test('an OCI manifest with a docker layer is rejected', () => {
    const img = buildImage(TWO_LAYERS('oci'), undefined, (m) => { m.layers[1].mediaType = MediaType.DockerLayerGzip; });
    rejects(() => validateImage(img), /layers\[1\]\.mediaType: "application\/vnd\.docker\.image\.rootfs\.diff\.tar\.gzip" is not an OCI layer media type \(the manifest is OCI\)/);
  });

  test('a docker manifest with an OCI config is rejected', () => {
    const img = buildImage(TWO_LAYERS('docker'), undefined, (m) => { m.config.mediaType = MediaType.OciConfig; });
    rejects(() => validateImage(img), /config\.mediaType: "application\/vnd\.oci\.image\.config\.v1\+json" in a docker manifest; expected application\/vnd\.docker\.container\.image\.v1\+json/);
  });

  test('a non-layer media type in layers is rejected', () => {
    const img = buildImage(TWO_LAYERS('oci'), undefined, (m) => { m.layers[0].mediaType = 'application/vnd.in-toto+json'; });
    rejects(() => validateImage(img), /layers\[0\]\.mediaType: "application\/vnd\.in-toto\+json" is not a layer media type/);
  });

  test('an uncompressed layer whose digest is not its diff_id is rejected', () => {
    const img = buildImage({ family: 'oci', layers: [{ blob: bytes(''), tar: bytes('tar'), compressed: false }], steps: [true] },
      (c) => { c.rootfs.diff_ids[0] = `sha256:${hex('9')}`; });
    rejects(() => validateImage(img), /layers\[0\]\.digest: .* is an uncompressed layer but rootfs\.diff_ids\[0\] is sha256:9{64}/);
  });

  test('measured diff_ids must equal rootfs.diff_ids', () => {
    const img = buildImage(TWO_LAYERS('oci'));
    rejects(() => validateImage({ ...img, layerDiffIds: [img.layerDiffIds[0]!, sha256Of(bytes('other'))] }), /rootfs\.diff_ids\[1\]: sha256:[0-9a-f]{64} but the layer tar hashes to/);
    rejects(() => validateImage({ ...img, layerDiffIds: [img.layerDiffIds[0]!] }), /2 entries but 1 layer tars were measured/);
  });

  test('schemaVersion and malformed documents are reported by the document validators', () => {
    const img = buildImage(TWO_LAYERS('oci'), undefined, (m) => { m.schemaVersion = 1; });
    rejects(() => validateImage(img), /^invalid image manifest: schemaVersion/);
    rejects(() => validateImage({ ...buildImage(TWO_LAYERS('oci')), configRaw: '{}' }), /^invalid image config: architecture: is required/);
  });

  test('all problems are reported together', () => {
    const img = buildImage({ ...TWO_LAYERS('oci'), steps: [true] }, undefined, (m) => { m.config.size = 1; });
    const err = rejects(() => validateImage(img));
    assert.match(err.message, /config\.size/);
    assert.match(err.message, /history: 1 entries/);
  });
});

describe('validateImageStrict: what every berth image guarantees', () => {
  test('the manifest must name its mediaType', () => {
    const img = buildImage(TWO_LAYERS('oci'), undefined, (m) => { delete m.mediaType; });
    validateImage(img);
    rejects(() => validateImageStrict(img), /^invalid image: mediaType: is required/);
  });

  test('the config must have history', () => {
    const img = buildImage(TWO_LAYERS('oci'), (c) => { delete c.history; });
    validateImage(img);
    rejects(() => validateImageStrict(img), /history: is required/);
  });

  test('layer blobs must match their descriptors (bytes or measured digest and size)', () => {
    const img = buildImage(TWO_LAYERS('docker'));
    validateImageStrict({ ...img, layerBlobs: img.layerBlobs.map((b) => ({ digest: sha256Of(b), size: b.length })) });
    rejects(() => validateImageStrict({ ...img, layerBlobs: [img.layerBlobs[0]!, bytes('gz-X')] }), /layers\[1\]\.digest: sha256:[0-9a-f]{64} but the blob hashes to/);
    rejects(() => validateImageStrict({ ...img, layerBlobs: [img.layerBlobs[0]!, bytes('gz-22')] }), /layers\[1\]\.size: 4 but the blob is 5 bytes/);
    rejects(() => validateImageStrict({ ...img, layerBlobs: [img.layerBlobs[0]!] }), /layers: 2 descriptors but 1 layer blobs/);
  });

  test('the manifest descriptor must match the manifest bytes', () => {
    const img = buildImage(TWO_LAYERS('oci'));
    const good = { digest: sha256Of(img.manifestRaw), size: img.manifestRaw.length };
    rejects(() => validateImageStrict({ ...img, manifestDescriptor: { ...good, digest: `sha256:${hex('1')}` } }), /manifestDescriptor\.digest/);
    rejects(() => validateImageStrict({ ...img, manifestDescriptor: { ...good, size: 1 } }), /manifestDescriptor\.size: 1 but the blob is \d+ bytes/);
    rejects(() => validateImageStrict({ ...img, manifestDescriptor: { ...good, mediaType: MediaType.DockerManifest } }), /manifestDescriptor\.mediaType/);
  });
});

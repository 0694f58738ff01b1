// Digests and media types: parsing rules, hashing, and what each media type says about a blob.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  MediaType, digestAlgorithm, digestHex, digestMatches, digestOf, isConfigMediaType, isDigest, isForeignLayerMediaType,
  isIndexMediaType, isLayerMediaType, isManifestMediaType, layerCompression, layerMediaType, mediaTypeFamily, parseDigest,
  sha256Of,
} from '../../src/oci/index.ts';
import { BerthError } from '../../src/util/errors.ts';

const EMPTY_SHA256 = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('digests', () => {
  test('sha256Of / digestOf hash bytes', () => {
    assert.equal(sha256Of(new Uint8Array()), EMPTY_SHA256);
    assert.equal(sha256Of(new TextEncoder().encode('{}')), 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
    const d512 = digestOf(new Uint8Array(), 'sha512');
    assert.equal(digestAlgorithm(d512), 'sha512');
    assert.equal(digestHex(d512).length, 128);
    assert.ok(digestMatches(d512, new Uint8Array()));
    assert.ok(!digestMatches(d512, new Uint8Array([1])));
  });

  test('parseDigest accepts sha256 and sha512 with exact lengths', () => {
    const d = parseDigest(EMPTY_SHA256);
    assert.equal(digestAlgorithm(d), 'sha256');
    assert.equal(digestHex(d), EMPTY_SHA256.slice(7));
    assert.ok(isDigest(`sha512:${'a'.repeat(128)}`));
  });

  const BAD: ReadonlyArray<readonly [string, RegExp]> = [
    ['', /invalid checksum digest format: expected <algorithm>:<hex>/],
    ['sha256', /invalid checksum digest format/],
    ['sha256:', /invalid checksum digest format/],
    [':abc', /invalid checksum digest format/],
    [`SHA256:${'a'.repeat(64)}`, /bad algorithm "SHA256"/],
    [`md5:${'a'.repeat(32)}`, /unsupported digest algorithm "md5"/],
    [`sha384:${'a'.repeat(96)}`, /unsupported digest algorithm "sha384"/],
    [`sha256:${'a'.repeat(63)}`, /invalid checksum digest length: sha256 needs 64 hex characters, got 63/],
    [`sha256:${'a'.repeat(65)}`, /got 65/],
    [`sha512:${'a'.repeat(64)}`, /sha512 needs 128 hex characters, got 64/],
    [`sha256:${'A'.repeat(64)}`, /must be lowercase hex/],
    [`sha256:${'g'.repeat(64)}`, /must be lowercase hex/],
  ];
  for (const [text, message] of BAD) {
    test(`parseDigest rejects ${JSON.stringify(text.length > 30 ? `${text.slice(0, 27)}…` : text)}`, () => {
      assert.ok(!isDigest(text));
      assert.throws(() => parseDigest(text), (e: unknown) => {
        assert.ok(e instanceof BerthError);
        assert.equal(e.code, 'INVALID_DIGEST');
        assert.ok(e.message.startsWith(`invalid digest ${JSON.stringify(text)}: `), e.message);
        assert.match(e.message, message);
        return true;
      });
    });
  }
});

describe('media types', () => {
  test('manifest and index kinds', () => {
    assert.ok(isManifestMediaType(MediaType.OciManifest));
    assert.ok(isManifestMediaType(MediaType.DockerManifest));
    assert.ok(!isManifestMediaType(MediaType.DockerManifestSchema1));
    assert.ok(!isManifestMediaType(MediaType.OciIndex));
    assert.ok(isIndexMediaType(MediaType.OciIndex));
    assert.ok(isIndexMediaType(MediaType.DockerManifestList));
    assert.ok(!isIndexMediaType(undefined));
    assert.ok(isConfigMediaType(MediaType.DockerConfig));
    assert.ok(isConfigMediaType(MediaType.OciConfig));
  });

  test('layer compression, family and foreignness', () => {
    const table: ReadonlyArray<readonly [string, 'none' | 'gzip' | 'zstd', 'oci' | 'docker', boolean]> = [
      [MediaType.OciLayer, 'none', 'oci', false],
      [MediaType.OciLayerGzip, 'gzip', 'oci', false],
      [MediaType.OciLayerZstd, 'zstd', 'oci', false],
      [MediaType.OciLayerNondistributableGzip, 'gzip', 'oci', true],
      [MediaType.DockerLayer, 'none', 'docker', false],
      ['application/vnd.docker.image.rootfs.diff.tar.gzip', 'gzip', 'docker', false],
      [MediaType.DockerLayerZstd, 'zstd', 'docker', false],
      [MediaType.DockerForeignLayer, 'gzip', 'docker', true],
    ];
    for (const [mt, compression, family, foreign] of table) {
      assert.ok(isLayerMediaType(mt), mt);
      assert.equal(layerCompression(mt), compression, mt);
      assert.equal(mediaTypeFamily(mt), family, mt);
      assert.equal(isForeignLayerMediaType(mt), foreign, mt);
    }
    assert.equal(layerCompression(MediaType.OciConfig), undefined);
    assert.equal(layerCompression('application/octet-stream'), undefined);
    assert.equal(mediaTypeFamily('application/octet-stream'), undefined);
    assert.equal(mediaTypeFamily(MediaType.DockerManifestList), 'docker');
  });

  test('layerMediaType picks the distributable type', () => {
    assert.equal(layerMediaType('oci', 'gzip'), MediaType.OciLayerGzip);
    assert.equal(layerMediaType('docker', 'gzip'), MediaType.DockerLayerGzip);
    assert.equal(layerMediaType('docker', 'none'), MediaType.DockerLayer);
    assert.equal(layerMediaType('oci', 'zstd'), MediaType.OciLayerZstd);
  });
});

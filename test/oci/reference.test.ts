// Image references: docker's normalization and familiar forms, from tables of valid and invalid inputs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isValidReference, parseAnyReference, parseReference } from '../../src/oci/index.ts';
import { BerthError } from '../../src/util/errors.ts';

const HEX64 = '0123456789abcdef'.repeat(4);
const HEX128 = HEX64 + HEX64;
const D = `sha256:${HEX64}`;

// input | normalized toString() | familiar()
const VALID: ReadonlyArray<readonly [string, string, string]> = [
  ['ubuntu', 'docker.io/library/ubuntu:latest', 'ubuntu:latest'],
  ['ubuntu:22.04', 'docker.io/library/ubuntu:22.04', 'ubuntu:22.04'],
  ['library/ubuntu', 'docker.io/library/ubuntu:latest', 'ubuntu:latest'],
  ['docker.io/ubuntu', 'docker.io/library/ubuntu:latest', 'ubuntu:latest'],
  ['docker.io/library/ubuntu:latest', 'docker.io/library/ubuntu:latest', 'ubuntu:latest'],
  ['index.docker.io/ubuntu', 'docker.io/library/ubuntu:latest', 'ubuntu:latest'],
  ['index.docker.io/user/app:v2', 'docker.io/user/app:v2', 'user/app:v2'],
  ['user/app', 'docker.io/user/app:latest', 'user/app:latest'],
  ['user/app:1', 'docker.io/user/app:1', 'user/app:1'],
  ['user/team/app', 'docker.io/user/team/app:latest', 'user/team/app:latest'],
  // "library/" is only dropped when nothing nests under it.
  ['library/a/b', 'docker.io/library/a/b:latest', 'library/a/b:latest'],
  ['registry-1.docker.io/library/ubuntu', 'registry-1.docker.io/library/ubuntu:latest', 'registry-1.docker.io/library/ubuntu:latest'],
  ['localhost/x', 'localhost/x:latest', 'localhost/x:latest'],
  ['localhost:5000/x', 'localhost:5000/x:latest', 'localhost:5000/x:latest'],
  ['localhost:5000/x:latest', 'localhost:5000/x:latest', 'localhost:5000/x:latest'],
  ['registry.example.com:443/a/b:tag', 'registry.example.com:443/a/b:tag', 'registry.example.com:443/a/b:tag'],
  ['registry.example.com/a/b/c/d', 'registry.example.com/a/b/c/d:latest', 'registry.example.com/a/b/c/d:latest'],
  ['127.0.0.1:5000/x', '127.0.0.1:5000/x:latest', '127.0.0.1:5000/x:latest'],
  ['myhost:5000/x', 'myhost:5000/x:latest', 'myhost:5000/x:latest'],
  ['[::1]:5000/foo:bar', '[::1]:5000/foo:bar', '[::1]:5000/foo:bar'],
  ['[2001:db8::1]/foo', '[2001:db8::1]/foo:latest', '[2001:db8::1]/foo:latest'],
  ['my-registry.example.com/x', 'my-registry.example.com/x:latest', 'my-registry.example.com/x:latest'],
  // An uppercase first element can only be a registry.
  ['Foo/bar', 'Foo/bar:latest', 'Foo/bar:latest'],
  ['a__b', 'docker.io/library/a__b:latest', 'a__b:latest'],
  ['a_b', 'docker.io/library/a_b:latest', 'a_b:latest'],
  ['a.b', 'docker.io/library/a.b:latest', 'a.b:latest'],
  ['a-b', 'docker.io/library/a-b:latest', 'a-b:latest'],
  ['a---b', 'docker.io/library/a---b:latest', 'a---b:latest'],
  ['a.b-c_d__e--f', 'docker.io/library/a.b-c_d__e--f:latest', 'a.b-c_d__e--f:latest'],
  ['0', 'docker.io/library/0:latest', '0:latest'],
  ['a1b2c3', 'docker.io/library/a1b2c3:latest', 'a1b2c3:latest'],
  ['docker.io', 'docker.io/library/docker.io:latest', 'docker.io:latest'],
  ['ubuntu:LATEST', 'docker.io/library/ubuntu:LATEST', 'ubuntu:LATEST'],
  ['ubuntu:_x', 'docker.io/library/ubuntu:_x', 'ubuntu:_x'],
  ['ubuntu:1.0-rc_1', 'docker.io/library/ubuntu:1.0-rc_1', 'ubuntu:1.0-rc_1'],
  [`ubuntu:${'t'.repeat(128)}`, `docker.io/library/ubuntu:${'t'.repeat(128)}`, `ubuntu:${'t'.repeat(128)}`],
  // A digest alone: no implied tag. Tag and digest together: both kept.
  [`ubuntu@${D}`, `docker.io/library/ubuntu@${D}`, `ubuntu@${D}`],
  [`ubuntu:22.04@${D}`, `docker.io/library/ubuntu:22.04@${D}`, `ubuntu:22.04@${D}`],
  [`localhost:5000/x@sha512:${HEX128}`, `localhost:5000/x@sha512:${HEX128}`, `localhost:5000/x@sha512:${HEX128}`],
  [`user/app:1@${D}`, `docker.io/user/app:1@${D}`, `user/app:1@${D}`],
  // Docker reads a malformed digest without "@" as name:tag.
  ['sha256:abc', 'docker.io/library/sha256:abc', 'sha256:abc'],
  // The 255-character limit counts the normalized name: "docker.io/library/" is 18 characters.
  ['a'.repeat(237), `docker.io/library/${'a'.repeat(237)}:latest`, `${'a'.repeat(237)}:latest`],
  [`example.com/${'b'.repeat(243)}`, `example.com/${'b'.repeat(243)}:latest`, `example.com/${'b'.repeat(243)}:latest`],
];

// input | expected message (string: exact; RegExp: matched)
const INVALID: ReadonlyArray<readonly [string, string | RegExp]> = [
  ['', 'invalid reference format: repository name must have at least one component'],
  ['UPPER', 'invalid reference format: repository name (library/UPPER) must be lowercase'],
  ['user/App', 'invalid reference format: repository name (user/App) must be lowercase'],
  ['example.com/Foo:tag', 'invalid reference format: repository name (Foo) must be lowercase'],
  ['a:b:c', /^invalid reference format: invalid repository path component "a:b" in "a:b:c"/],
  [':tag', 'invalid reference format: empty repository path component in ":tag"'],
  ['a//b', 'invalid reference format: empty repository path component in "a//b"'],
  ['a/', 'invalid reference format: empty repository path component in "a/"'],
  ['/a', 'invalid reference format: empty repository path component in "/a"'],
  ['localhost:5000/', /empty repository path component/],
  ['-leading', /^invalid reference format: invalid repository path component "-leading"/],
  ['trailing-', /invalid repository path component "trailing-"/],
  ['.a', /invalid repository path component ".a"/],
  ['a.', /invalid repository path component "a\."/],
  ['a..b', /invalid repository path component "a\.\.b"/],
  ['a._b', /invalid repository path component "a\._b"/],
  ['a___b', /^invalid reference format: invalid repository path component "a___b"/],
  ['a b', /invalid repository path component "a b"/],
  ['user/a$b', /invalid repository path component "a\$b"/],
  ['ubuntu:', /^invalid reference format: invalid tag ""/],
  ['ubuntu:-tag', /invalid tag "-tag"/],
  ['ubuntu:.tag', /invalid tag "\.tag"/],
  ['ubuntu:t+g', /invalid tag "t\+g"/],
  [`ubuntu:${'t'.repeat(129)}`, /invalid tag/],
  ['a@sha256:short', 'invalid reference format: invalid digest "sha256:short": expected <algorithm>:<hex>'],
  ['a@', /invalid digest ""/],
  ['a@b', /invalid digest "b"/],
  [`a@sha256:${HEX64.slice(0, 32)}`, /^invalid reference format: invalid digest "sha256:[0-9a-f]{32}": invalid checksum digest length: sha256 needs 64 hex characters, got 32$/],
  [`a@sha256:${HEX64.toUpperCase()}`, /invalid checksum digest format/],
  [`a@md5:${HEX64.slice(0, 32)}`, /unsupported digest algorithm "md5"/],
  [`a@sha512:${HEX64}`, /sha512 needs 128 hex characters, got 64/],
  [`a@${D}@${D}`, /invalid digest/],
  [`a:1@${D}:2`, /invalid digest/],
  ['a.b_c/d', 'invalid reference format: invalid registry host "a.b_c"'],
  ['example.com:port/x', 'invalid reference format: invalid registry host "example.com:port"'],
  ['exa_mple.com/x', /invalid registry host "exa_mple\.com"/],
  ['-example.com/x', /invalid registry host "-example\.com"/],
  ['example-.com/x', /invalid registry host/],
  ['ubuntu:tag/x', /invalid registry host "ubuntu:tag"/],
  [HEX64, /^invalid reference format: cannot specify 64-byte hexadecimal strings as a repository name/],
  ['a'.repeat(238), 'invalid reference format: repository name must not be more than 255 characters'],
  ['a'.repeat(256), 'invalid reference format: repository name must not be more than 255 characters'],
  [`example.com/${'b'.repeat(244)}`, /must not be more than 255 characters/],
];

function expectInvalid(input: string): BerthError {
  let caught: unknown;
  try {
    const got = parseReference(input);
    assert.fail(`expected ${JSON.stringify(input)} to be rejected, got ${got.toString()}`);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof BerthError, `expected a BerthError for ${JSON.stringify(input)}, got ${String(caught)}`);
  assert.equal(caught.code, 'INVALID_REFERENCE');
  return caught;
}

describe('parseReference: valid references', () => {
  for (const [input, normalized, familiar] of VALID) {
    test(input.length > 60 ? `${input.slice(0, 57)}…` : input || '(empty)', () => {
      const ref = parseReference(input);
      assert.equal(ref.toString(), normalized);
      assert.equal(ref.familiar(), familiar);
      assert.equal(String(ref), normalized);
      // Normalization is idempotent, and the familiar form means the same image.
      assert.equal(parseReference(normalized).toString(), normalized);
      assert.equal(parseReference(familiar).toString(), normalized);
      assert.ok(isValidReference(input));
    });
  }
});

describe('parseReference: invalid references', () => {
  for (const [input, message] of INVALID) {
    test(input.length > 60 ? `${input.slice(0, 57)}…` : input || '(empty)', () => {
      const err = expectInvalid(input);
      if (typeof message === 'string') assert.equal(err.message, message);
      else assert.match(err.message, message);
      assert.ok(!isValidReference(input));
    });
  }
});

describe('parseReference: parts', () => {
  test('a familiar official name', () => {
    const ref = parseReference('ubuntu');
    assert.equal(ref.registry, 'docker.io');
    assert.equal(ref.repository, 'library/ubuntu');
    assert.equal(ref.tag, 'latest');
    assert.equal(ref.tagExplicit, false);
    assert.equal(ref.digest, undefined);
    assert.equal(ref.name, 'docker.io/library/ubuntu');
    assert.equal(ref.familiarName(), 'ubuntu');
  });

  test('registry with port, nested path, tag', () => {
    const ref = parseReference('registry.example.com:443/a/b:tag');
    assert.equal(ref.registry, 'registry.example.com:443');
    assert.equal(ref.repository, 'a/b');
    assert.equal(ref.tag, 'tag');
    assert.equal(ref.tagExplicit, true);
    assert.equal(ref.familiarName(), 'registry.example.com:443/a/b');
  });

  test('digest only: no implied tag', () => {
    const ref = parseReference(`user/app@${D}`);
    assert.equal(ref.tag, undefined);
    assert.equal(ref.tagExplicit, false);
    assert.equal(ref.digest, D);
  });

  test('tag and digest are both kept', () => {
    const ref = parseReference(`ubuntu:22.04@${D}`);
    assert.equal(ref.tag, '22.04');
    assert.equal(ref.digest, D);
  });

  test('references are frozen', () => {
    const ref = parseReference('ubuntu');
    assert.ok(Object.isFrozen(ref));
  });
});

describe('parseAnyReference: image IDs', () => {
  test('64 hex characters are an image ID', () => {
    assert.deepEqual(parseAnyReference(HEX64), { kind: 'id', id: D });
  });

  test('a full digest is an image ID', () => {
    assert.deepEqual(parseAnyReference(D), { kind: 'id', id: D });
  });

  test('a short ID prefix is a name (resolving it is the store’s job)', () => {
    const got = parseAnyReference('a1b2c3');
    assert.equal(got.kind, 'named');
    assert.equal(got.kind === 'named' ? got.reference.toString() : '', 'docker.io/library/a1b2c3:latest');
  });

  test('names parse as parseReference does, errors included', () => {
    const got = parseAnyReference('user/app:1');
    assert.equal(got.kind === 'named' ? got.reference.familiar() : '', 'user/app:1');
    assert.throws(() => parseAnyReference('UPPER'), /must be lowercase/);
  });
});

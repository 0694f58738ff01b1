// docker's rules for what a container runs, as pure functions: command composition, environment, workdir, -p, -v, --env-file, names.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkName, composeCommand, composeEnv, newContainerId, parseEnvFile, parsePublish, parseVolume, randomName, resolveEnvEntries } from '../../src/container/index.ts';
import { BerthError } from '../../src/util/errors.ts';

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    return (e as BerthError).code;
  }
  return 'no error';
};

describe('composeCommand', () => {
  const ep = { Entrypoint: ['/ep'], Cmd: ['c1', 'c2'] };
  const table: Array<[string, Parameters<typeof composeCommand>[0], Parameters<typeof composeCommand>[1], string[]]> = [
    ['CMD alone', { Cmd: ['sh'] }, { cmd: [] }, ['sh']],
    ['arguments replace CMD', { Cmd: ['sh'] }, { cmd: ['ls', '-l'] }, ['ls', '-l']],
    ['ENTRYPOINT + CMD', ep, { cmd: [] }, ['/ep', 'c1', 'c2']],
    ['ENTRYPOINT + arguments', ep, { cmd: ['a'] }, ['/ep', 'a']],
    ['--entrypoint drops CMD', ep, { cmd: [], entrypoint: 'x' }, ['x']],
    ['--entrypoint with arguments', ep, { cmd: ['a'], entrypoint: 'x y' }, ['x y', 'a']],
    ['--entrypoint "" and arguments', ep, { cmd: ['a'], entrypoint: '' }, ['a']],
  ];
  for (const [name, image, choice, args] of table) it(name, () => assert.deepEqual(composeCommand(image, choice).args, args));
  it('nothing to run is an error', () => {
    assert.equal(code(() => composeCommand({}, { cmd: [] })), 'INVALID_ARGUMENT');
    assert.equal(code(() => composeCommand(ep, { cmd: [], entrypoint: '' })), 'INVALID_ARGUMENT');
  });
});

describe('environment', () => {
  it('PATH and HOSTNAME first, the image PATH replacing the default in place, -e over the image', () => {
    const env = composeEnv({ Env: ['PATH=/custom', 'A=1', 'B=2'] }, ['B=3', 'C=4'], 'abc', false);
    assert.deepEqual(env.config, ['PATH=/custom', 'A=1', 'B=3', 'C=4']);
    assert.deepEqual(env.process, ['PATH=/custom', 'HOSTNAME=abc', 'A=1', 'B=3', 'C=4']);
  });
  it('-e NAME takes the host value; an unset one is dropped', () => {
    assert.deepEqual(resolveEnvEntries(['X', 'Y', 'Z=given', 'E='], { X: 'host' }), ['X=host', 'Z=given', 'E=']);
    assert.equal(code(() => resolveEnvEntries(['=v'], {})), 'INVALID_ARGUMENT');
  });
  it('--env-file: comments, blank lines, bare names, values as written', () => {
    assert.deepEqual(parseEnvFile('# c\n\nA=1\n  B= two words \nC\r\n', 'f'), ['A=1', 'B= two words ', 'C']);
    assert.equal(code(() => parseEnvFile('BAD NAME=1\n', 'f')), 'INVALID_ARGUMENT');
  });
});

describe('-p and -v', () => {
  it('parses docker forms', () => {
    assert.deepEqual(parsePublish('8080:80'), { protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80 });
    assert.deepEqual(parsePublish('127.0.0.1:53:53/udp'), { protocol: 'udp', hostIp: '127.0.0.1', hostPort: 53, containerPort: 53 });
    assert.deepEqual(parsePublish('80'), { protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 0, containerPort: 80 });
    assert.deepEqual(parsePublish('127.0.0.1::80'), { protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 0, containerPort: 80 });
  });
  it('refuses bad and unsupported ones with typed errors', () => {
    assert.equal(code(() => parsePublish('70000:80')), 'INVALID_ARGUMENT');
    assert.equal(code(() => parsePublish('80/sctp')), 'INVALID_ARGUMENT');
    assert.equal(code(() => parsePublish('8000-8001:80-81')), 'NOT_IMPLEMENTED');
    assert.equal(code(() => parseVolume('named:/data')), 'NOT_IMPLEMENTED');
    assert.equal(code(() => parseVolume('/data')), 'NOT_IMPLEMENTED');
    assert.equal(code(() => parseVolume('/a:relative')), 'INVALID_ARGUMENT');
    assert.equal(code(() => parseVolume('/a:/b:rx')), 'INVALID_ARGUMENT');
  });
  it('binds host paths, relative ones from the current directory', () => {
    assert.deepEqual(parseVolume('/srv/x:/data:ro'), { source: '/srv/x', destination: '/data', readonly: true });
    assert.deepEqual(parseVolume('./x:/data/', '/home/u'), { source: '/home/u/x', destination: '/data/', readonly: false });
  });
});

describe('IDs and names', () => {
  it('64 hex digits, never a numeric short ID', () => {
    for (let i = 0; i < 200; i++) {
      const id = newContainerId();
      assert.match(id, /^[0-9a-f]{64}$/);
      assert.doesNotMatch(id.slice(0, 12), /^\d+$/);
    }
  });
  it('random names are adjective_surname; --name follows docker pattern', () => {
    for (let i = 0; i < 100; i++) assert.match(randomName(), /^[a-z]+_[a-z]+$/);
    assert.equal(checkName('/web-1.a_b'), 'web-1.a_b');
    assert.equal(code(() => checkName('-bad')), 'INVALID_ARGUMENT');
    assert.equal(code(() => checkName('a')), 'INVALID_ARGUMENT');
  });
});

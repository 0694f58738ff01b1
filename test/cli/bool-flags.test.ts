// docker's `--flag=true|false` forms for boolean flags (src/cli/bool-flags.ts), rewritten for commander
// per command: value flags, the container's own command after IMAGE and everything after `--` untouched.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeBoolFlags } from '../../src/cli/bool-flags.ts';
import { createProgram } from '../../src/cli/program.ts';
import { UsageError } from '../../src/cli/usage-error.ts';

const norm = async (...args: string[]): Promise<string[]> => normalizeBoolFlags(await createProgram(['node', 'berth', ...args]), args);

describe('boolean flags with =true/=false', () => {
  it('a plain flag: =true is the flag, =false is its absence (or its --no- twin when it defaults on)', async () => {
    assert.deepEqual(await norm('build', '--no-cache=true', '--pull=false', '-q=1', '.'), ['build', '--no-cache', '--quiet', '.']);
    assert.deepEqual(await norm('build', '--no-cache=false', '.'), ['build', '.']);
    assert.deepEqual(await norm('history', '-H=false', 'img'), ['history', '--no-human', 'img']);
    assert.deepEqual(await norm('history', '--human=true', 'img'), ['history', '--human', 'img']);
    assert.deepEqual(await norm('images', '--no-trunc=T', '-a=F'), ['images', '--no-trunc']);
    assert.deepEqual(await norm('--root=/x', '--debug=true', 'ps', '-a=true'), ['--root=/x', '--debug', 'ps', '--all']);
    assert.deepEqual(await norm('--root', '/x', 'container', 'prune', '-f=true'), ['--root', '/x', 'container', 'prune', '--force']);
  });

  it('leaves value flags, the container command after IMAGE and what follows -- alone', async () => {
    assert.deepEqual(await norm('build', '--label=true', '-t', 'x', '--iidfile=f', '.'), ['build', '--label=true', '-t', 'x', '--iidfile=f', '.']);
    assert.deepEqual(await norm('run', '--rm=true', '-e', 'A=1', 'img', 'sh', '--rm=false', '-i=true'), ['run', '--rm', '-e', 'A=1', 'img', 'sh', '--rm=false', '-i=true']);
    assert.deepEqual(await norm('exec', '-i=true', 'ctr', 'sh', '-i=true'), ['exec', '--interactive', 'ctr', 'sh', '-i=true']);
    assert.deepEqual(await norm('rm', '--', '-f=true'), ['rm', '--', '-f=true']);
  });

  it('a value that is not a boolean is refused in docker\'s words', async () => {
    await assert.rejects(norm('run', '--rm=maybe', 'img'), (e: unknown) => e instanceof UsageError &&
      e.message === 'invalid argument "maybe" for "--rm" flag: strconv.ParseBool: parsing "maybe": invalid syntax\nSee \'berth run --help\'.');
  });
});

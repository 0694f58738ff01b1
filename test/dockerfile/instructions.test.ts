// Typed instructions: every keyword's validated output, and every error positioned (line, and the
// column of the offending flag or keyword) with docker's wording where docker has one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDockerfile } from '../../src/dockerfile/syntax/index.ts';
import { convertTree, parseDuration, suggest } from '../../src/dockerfile/instructions/index.ts';
import type { Instruction, InstructionKind, Mount } from '../../src/dockerfile/instructions/index.ts';
import type { BerthError, ErrorCode } from '../../src/util/errors.ts';

type Of<K extends InstructionKind> = Extract<Instruction, { kind: K }>;

/** Converts a Dockerfile that must parse and convert cleanly. */
function convert(text: string): Instruction[] {
  const { tree, diagnostics } = parseDockerfile(text);
  assert.deepEqual(diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), [], 'syntax errors');
  const { instructions, errors } = convertTree(tree);
  assert.deepEqual(errors.map((e) => e.message), [], 'conversion errors');
  return instructions;
}

/** The single instruction `text` holds, which must be of `kind`. */
function one<K extends InstructionKind>(text: string, kind: K): Of<K> {
  const list = convert(text);
  assert.equal(list.length, 1);
  assert.equal(list[0]!.kind, kind);
  return list[0] as Of<K>;
}

/** The instruction on line 2, after `FROM scratch` (so that line numbers are meaningful). */
function second<K extends InstructionKind>(line: string, kind: K): Of<K> {
  const list = convert(`FROM scratch\n${line}`);
  assert.equal(list.length, 2);
  assert.equal(list[1]!.kind, kind);
  return list[1] as Of<K>;
}

/** Every conversion error (the text must parse). */
function errorsOf(text: string): BerthError[] {
  const { tree, diagnostics } = parseDockerfile(text);
  assert.deepEqual(diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), [], 'syntax errors');
  return convertTree(tree).errors;
}

interface Expected {
  /** A distinctive part of the message, or a pattern for all of it. */
  message: string | RegExp;
  line: number;
  column?: number;
  code?: ErrorCode;
  hint?: string | RegExp;
}

function check(e: BerthError, want: Expected): void {
  if (typeof want.message === 'string') assert.ok(e.message.includes(want.message), `message ${JSON.stringify(e.message)} lacks ${JSON.stringify(want.message)}`);
  else assert.match(e.message, want.message);
  assert.ok(e.range, 'the error has a range');
  assert.equal(e.range.start.line, want.line, `line of ${JSON.stringify(e.message)}`);
  if (want.column !== undefined) assert.equal(e.range.start.column, want.column, `column of ${JSON.stringify(e.message)}`);
  if (want.code !== undefined) assert.equal(e.code, want.code);
  if (want.hint !== undefined) {
    assert.ok(e.hint, 'the error has a hint');
    if (typeof want.hint === 'string') assert.ok(e.hint.includes(want.hint), `hint ${JSON.stringify(e.hint)} lacks ${JSON.stringify(want.hint)}`);
    else assert.match(e.hint, want.hint);
  }
}

/** `line` (placed on line 2, after FROM) must fail with exactly one error. */
function fails(line: string, want: Omit<Expected, 'line'> & { line?: number }): BerthError {
  const errors = errorsOf(`FROM scratch\n${line}`);
  assert.equal(errors.length, 1, `expected one error for ${JSON.stringify(line)}, got ${JSON.stringify(errors.map((e) => e.message))}`);
  check(errors[0]!, { line: 2, ...want });
  return errors[0]!;
}

/** Asserts the listed fields of `actual` (deep equality per field). */
function like<T extends object>(actual: T, expected: Partial<T>): void {
  for (const [key, value] of Object.entries(expected)) {
    assert.deepEqual((actual as Record<string, unknown>)[key], value, `field ${key}`);
  }
}

function mountsOf(line: string): Mount[] {
  return second(line, 'run').mounts;
}
function mountOf(spec: string): Mount {
  const mounts = mountsOf(`RUN --mount=${spec} true`);
  assert.equal(mounts.length, 1);
  return mounts[0]!;
}

const SHA256 = 'a'.repeat(64);

describe('FROM', () => {
  it('an image alone', () => {
    like(one('FROM alpine:3.19', 'from'), { image: 'alpine:3.19', stageName: undefined, platform: undefined });
  });

  it('--platform and AS name (the name lowercased)', () => {
    const f = one('FROM --platform=linux/arm64 golang:1.22 AS Build', 'from');
    like(f, { image: 'golang:1.22', stageName: 'build', platform: 'linux/arm64' });
    assert.equal(f.original, 'FROM --platform=linux/arm64 golang:1.22 AS Build');
    assert.deepEqual(f.range.start, { line: 1, column: 1 });
  });

  it('AS in any case', () => {
    assert.equal(one('from alpine as builder', 'from').stageName, 'builder');
    assert.equal(one('FROM alpine As b2', 'from').stageName, 'b2');
    assert.equal(one('FROM alpine aS b3', 'from').stageName, 'b3');
  });

  it('stage names may hold letters, digits, -, _ and .', () => {
    assert.equal(one('FROM alpine AS my-stage.v1_2', 'from').stageName, 'my-stage.v1_2');
  });

  it('--platform keeps variables for the planner', () => {
    assert.equal(one('FROM --platform=$BUILDPLATFORM alpine', 'from').platform, '$BUILDPLATFORM');
  });

  it('invalid stage names', () => {
    const msg = 'invalid name for build stage: "1stage", name can\'t start with a number or contain symbols';
    const e = fails('FROM alpine AS 1stage', { message: msg, column: 1, code: 'DOCKERFILE_INSTRUCTION' });
    assert.equal(e.message, msg);
    fails('FROM alpine AS my@stage', { message: 'invalid name for build stage: "my@stage"' });
    fails('FROM alpine AS -x', { message: 'invalid name for build stage: "-x"' });
  });

  it('argument count', () => {
    fails('FROM alpine builder', { message: 'FROM requires either one argument, or three' });
    fails('FROM alpine AS', { message: 'FROM requires either one argument, or three' });
    fails('FROM alpine IS b', { message: 'FROM requires either one argument, or three' });
    fails('FROM alpine AS a b', { message: 'FROM requires either one argument, or three' });
  });

  it('flags', () => {
    fails('FROM --platform alpine', { message: 'missing a value on flag: --platform', column: 6, code: 'DOCKERFILE_FLAG' });
    fails('FROM --pull=always alpine', { message: 'unknown flag: --pull for FROM', column: 6, hint: 'FROM accepts --platform' });
  });
});

describe('RUN', () => {
  it('shell form keeps the command text', () => {
    const r = one('RUN echo "hello  world" && ls', 'run');
    like(r, { command: { form: 'shell', script: 'echo "hello  world" && ls' }, mounts: [], network: undefined, security: undefined, heredocs: [] });
  });

  it('exec form', () => {
    assert.deepEqual(one('RUN ["/bin/sh", "-c", "echo a b"]', 'run').command, { form: 'exec', args: ['/bin/sh', '-c', 'echo a b'] });
  });

  it('heredoc form', () => {
    const r = second('RUN <<EOF\necho hi\necho there\nEOF', 'run');
    assert.deepEqual(r.command, { form: 'shell', script: '<<EOF' });
    assert.equal(r.heredocs.length, 1);
    like(r.heredocs[0]!, { name: 'EOF', expand: true, chomp: false, content: 'echo hi\necho there\n' });
    assert.deepEqual([r.range.start.line, r.range.end.line], [2, 5]);
  });

  it('heredoc with an interpreter and a quoted (unexpanded) terminator', () => {
    const r = second("RUN python3 <<'PY'\nprint('$HOME')\nPY", 'run');
    assert.deepEqual(r.command, { form: 'shell', script: "python3 <<'PY'" });
    like(r.heredocs[0]!, { name: 'PY', expand: false, content: "print('$HOME')\n" });
  });

  it('requires a command', () => {
    fails('RUN', { message: 'RUN requires at least one argument', column: 1 });
    fails('RUN --network=none', { message: 'RUN requires at least one argument' });
  });

  it('--network', () => {
    for (const n of ['default', 'none', 'host'] as const) assert.equal(one(`RUN --network=${n} true`, 'run').network, n);
    const e = fails('RUN --network=bridge true', { message: 'RUN --network: unsupported value "bridge"', column: 5, code: 'DOCKERFILE_FLAG', hint: 'default, none or host' });
    assert.deepEqual(e.range?.end, { line: 2, column: 21 });
    fails('RUN --network=none --network=host true', { message: 'duplicate flag specified: --network', column: 20 });
  });

  it('--security', () => {
    assert.equal(one('RUN --security=insecure true', 'run').security, 'insecure');
    assert.equal(one('RUN --security=sandbox true', 'run').security, 'sandbox');
    fails('RUN --security=privileged true', { message: 'RUN --security: unsupported value "privileged"', column: 5, hint: 'sandbox or insecure' });
  });
});

describe('RUN --mount', () => {
  it('bind: the default type, read-only unless rw', () => {
    like(mountOf('target=/dst'), { type: 'bind', target: '/dst', readOnly: true, from: undefined, source: undefined });
    like(mountOf('type=bind,source=/src,target=/dst,from=builder'), { type: 'bind', source: '/src', target: '/dst', from: 'builder', readOnly: true });
    like(mountOf('type=bind,src=/s,dst=/d,rw'), { source: '/s', target: '/d', readOnly: false });
    like(mountOf('type=bind,destination=/d,readwrite=true'), { target: '/d', readOnly: false });
    like(mountOf('type=bind,target=/d,rw=false'), { readOnly: true });
    like(mountOf('type=bind,target=/d,ro'), { readOnly: true });
    like(mountOf('type=bind,target=/d,readonly=false'), { readOnly: false });
    like(mountOf('type=bind,target=/d,ro=true'), { readOnly: true });
  });

  it('cache: every option, and its defaults', () => {
    const m = mountOf('type=cache,id=gomod,target=/go/pkg/mod,sharing=locked,from=base,source=/cache,mode=0700,uid=1000,gid=1001,ro');
    like(m, { type: 'cache', id: 'gomod', target: '/go/pkg/mod', sharing: 'locked', from: 'base', source: '/cache', mode: 0o700, uid: 1000, gid: 1001, readOnly: true });
    like(mountOf('type=cache,target=/root/.cache'), { id: '/root/.cache', sharing: 'shared', readOnly: false, mode: undefined, uid: undefined, gid: undefined });
    assert.equal(mountOf('type=cache,target=/c,sharing=private').sharing, 'private');
    assert.equal(mountOf('type=cache,target=/c,sharing=Shared').sharing, 'shared');
    assert.equal(mountOf('type=cache,target=/c,mode=755').mode, 0o755);
  });

  it('a typed value holding a variable is kept raw for the build to expand and parse (BuildKit expands first)', () => {
    like(mountOf('type=cache,target=/c,uid=$UID,mode=${MODE},sharing=$S'), { uid: undefined, mode: undefined, sharing: 'shared', deferred: { uid: '$UID', mode: '${MODE}', sharing: '$S' } });
    like(mountOf('type=tmpfs,target=/t,size=$SIZE'), { size: undefined, deferred: { size: '$SIZE' } });
    assert.equal(mountOf('type=cache,target=/c,uid=1000').deferred, undefined);
  });

  it('tmpfs: size in bytes (binary multiples, as docker)', () => {
    like(mountOf('type=tmpfs,target=/tmp'), { type: 'tmpfs', target: '/tmp', size: undefined, readOnly: false });
    assert.equal(mountOf('type=tmpfs,target=/t,size=64m').size, 64 * 1024 ** 2);
    assert.equal(mountOf('type=tmpfs,target=/t,size=1g').size, 1024 ** 3);
    assert.equal(mountOf('type=tmpfs,target=/t,size=512').size, 512);
    assert.equal(mountOf('type=tmpfs,target=/t,size=64MiB').size, 64 * 1024 ** 2);
    assert.equal(mountOf('type=tmpfs,target=/t,size=2kb').size, 2048);
    assert.equal(mountOf('type=tmpfs,target=/t,size=1.5k').size, 1536);
    assert.equal(mountOf('type=tmpfs,target=/t,size=1t').size, 1024 ** 4);
    fails('RUN --mount=type=tmpfs,target=/t,size=lots true', { message: '--mount: invalid size: "lots"', column: 5 });
  });

  it('secret: id, target, env, required, mode, uid, gid; target defaults to /run/secrets/<id>', () => {
    like(mountOf('type=secret,id=npmrc'), { type: 'secret', id: 'npmrc', target: '/run/secrets/npmrc', required: false, env: undefined, readOnly: true });
    like(mountOf('type=secret,id=tok,target=/etc/tok,env=TOKEN,required,mode=0400,uid=1,gid=2'),
      { id: 'tok', target: '/etc/tok', env: 'TOKEN', required: true, mode: 0o400, uid: 1, gid: 2 });
    like(mountOf('type=secret,id=tok,env=TOKEN'), { id: 'tok', target: '', env: 'TOKEN' });
    like(mountOf('type=secret,target=/run/x/aws'), { id: 'aws', target: '/run/x/aws' });
    like(mountOf('type=secret,id=a/b'), { id: 'a/b', target: '/run/secrets/b' });
    like(mountOf('type=secret,source=npmrc'), { id: 'npmrc', target: '/run/secrets/npmrc', source: undefined });
    assert.equal(mountOf('type=secret,id=x,required=false').required, false);
    assert.equal(mountOf('type=secret,id=x,required=true').required, true);
  });

  it('secret: needs an id, a source or a target (env alone is not enough, as in docker)', () => {
    fails('RUN --mount=type=secret true', { message: '--mount=type=secret needs an id or a target', column: 5 });
    fails('RUN --mount=type=secret,env=TOKEN true', { message: '--mount=type=secret needs an id or a target', column: 5 });
    fails('RUN --mount=type=secret,id=a,source=b true', { message: 'both source and id can\'t be set', column: 5 });
    fails('RUN --mount=type=secret,id=a,from=x true', { message: '--mount: unexpected key "from" for type=secret', column: 5 });
  });

  it('ssh: id defaults to "default", target to the agent socket (numbered per ssh mount)', () => {
    like(mountOf('type=ssh'), { type: 'ssh', id: 'default', target: '/run/buildkit/ssh_agent.0', required: false, readOnly: true });
    const two = mountsOf('RUN --mount=type=ssh --mount=type=cache,target=/c --mount=type=ssh,id=gh true');
    assert.deepEqual(two.map((m) => [m.type, m.id, m.target]), [
      ['ssh', 'default', '/run/buildkit/ssh_agent.0'], ['cache', '/c', '/c'], ['ssh', 'gh', '/run/buildkit/ssh_agent.1'],
    ]);
    like(mountOf('type=ssh,id=gh,target=/ssh.sock,required=true,mode=0600,uid=1,gid=1'), { id: 'gh', target: '/ssh.sock', required: true, mode: 0o600, uid: 1, gid: 1 });
  });

  it('several mounts, types in any case, CSV quoting', () => {
    // The flag's own quotes go first (single quotes keep the double quotes for the CSV reader).
    const ms = mountsOf('RUN --mount=type=CACHE,target=/a --mount=type=Tmpfs,target=/b --mount=\'type=bind,"source=a,b",target=/c\' true');
    assert.deepEqual(ms.map((m) => m.type), ['cache', 'tmpfs', 'bind']);
    assert.equal(ms[2]!.source, 'a,b');
  });

  it('from= stays raw; with a variable it is rejected as docker does', () => {
    assert.equal(mountOf('type=bind,from=builder,target=/b').from, 'builder');
    fails('RUN --mount=type=bind,from=$STAGE,target=/b true', { message: '\'from\' doesn\'t support variable expansion, define alias stage instead', column: 5 });
    fails('RUN --mount=type=cache,from=${STAGE},target=/b true', { message: 'doesn\'t support variable expansion' });
  });

  it('unknown mount type', () => {
    fails('RUN --mount=type=nfs,target=/x true', { message: '--mount: unsupported mount type "nfs"', column: 5, code: 'DOCKERFILE_FLAG', hint: 'bind, cache, tmpfs, secret, ssh' });
    fails('RUN --mount=type=constructor,target=/x true', { message: 'unsupported mount type "constructor"' });
    fails('RUN --mount=type,target=/x true', { message: 'unsupported mount type ""' });
  });

  it('a key the type does not take', () => {
    fails('RUN --mount=type=tmpfs,target=/t,uid=1 true', { message: '--mount: unexpected key "uid" for type=tmpfs', column: 5, hint: 'type=tmpfs takes target, size' });
    fails('RUN --mount=type=bind,target=/t,sharing=locked true', { message: 'unexpected key "sharing" for type=bind' });
    fails('RUN --mount=type=bind,target=/t,mode=0644 true', { message: 'unexpected key "mode" for type=bind' });
    fails('RUN --mount=type=cache,target=/t,size=1m true', { message: 'unexpected key "size" for type=cache' });
    fails('RUN --mount=type=cache,target=/t,required true', { message: 'unexpected key "required" for type=cache' });
    fails('RUN --mount=type=cache,target=/t,color=red true', { message: 'unexpected key "color" for type=cache' });
  });

  it('bad values', () => {
    fails('RUN --mount=type=cache,target=/c,mode=999 true', { message: '--mount: invalid mode: "999"', column: 5, hint: 'octal' });
    fails('RUN --mount=type=cache,target=/c,mode=rw true', { message: 'invalid mode: "rw"' });
    fails('RUN --mount=type=cache,target=/c,uid=-1 true', { message: 'invalid uid: "-1"' });
    fails('RUN --mount=type=cache,target=/c,gid=x true', { message: 'invalid gid: "x"' });
    fails('RUN --mount=type=cache,target=/c,sharing=exclusive true', { message: 'unsupported sharing value "exclusive"', hint: 'shared, private, locked' });
    fails('RUN --mount=type=bind,target=/c,ro=maybe true', { message: 'invalid value for readonly: "maybe"' });
    fails('RUN --mount=type=cache,target true', { message: '--mount: target needs a value' });
    fails('RUN --mount=\'type=bind,"source=a,target=/b\' true', { message: 'unterminated quote' });
  });

  it('missing target', () => {
    fails('RUN --mount=type=cache true', { message: '--mount=type=cache needs a target', column: 5, hint: 'target=' });
    fails('RUN --mount=source=/x true', { message: '--mount=type=bind needs a target' });
    fails('RUN --mount=type=tmpfs,size=1m true', { message: '--mount=type=tmpfs needs a target' });
  });

  it('an error points at the --mount that holds it', () => {
    const line = 'RUN --mount=type=cache,target=/a --mount=type=bogus,target=/b --mount=type=tmpfs,target=/c true';
    const e = fails(line, { message: 'unsupported mount type "bogus"', column: line.indexOf('--mount=type=bogus') + 1 });
    assert.equal(e.range?.end.column, line.indexOf(' --mount=type=tmpfs') + 1);
  });

  it('two mounts on one target', () => {
    fails('RUN --mount=type=cache,target=/a --mount=type=tmpfs,target=/a true', { message: 'RUN --mount: two mounts have the target /a', column: 34 });
  });

  it('--mount needs a value', () => {
    fails('RUN --mount true', { message: 'missing a value on flag: --mount', column: 5 });
  });
});

describe('CMD and ENTRYPOINT', () => {
  it('exec form', () => {
    assert.deepEqual(one('CMD ["nginx", "-g", "daemon off;"]', 'cmd').command, { form: 'exec', args: ['nginx', '-g', 'daemon off;'] });
    assert.deepEqual(one('ENTRYPOINT ["/entry.sh"]', 'entrypoint').command, { form: 'exec', args: ['/entry.sh'] });
    assert.deepEqual(one('CMD []', 'cmd').command, { form: 'exec', args: [] });
  });

  it('shell form', () => {
    assert.deepEqual(one("CMD nginx -g 'daemon off;'", 'cmd').command, { form: 'shell', script: "nginx -g 'daemon off;'" });
    assert.deepEqual(one('ENTRYPOINT exec /entry.sh "$@"', 'entrypoint').command, { form: 'shell', script: 'exec /entry.sh "$@"' });
    // Not valid JSON: the shell form, as docker.
    assert.deepEqual(one("CMD ['single', 'quotes']", 'cmd').command, { form: 'shell', script: "['single', 'quotes']" });
  });

  it('take no flags', () => {
    fails('CMD --x=1 true', { message: 'unknown flag: --x for CMD', column: 5, hint: 'CMD takes no flags' });
    fails('ENTRYPOINT --x=1 true', { message: 'unknown flag: --x for ENTRYPOINT', column: 12 });
  });
});

describe('ENV and LABEL', () => {
  it('ENV key=value pairs keep their raw values', () => {
    assert.deepEqual(one('ENV A=1 B="two words" C= D=$A', 'env').pairs, [
      { key: 'A', value: '1' }, { key: 'B', value: '"two words"' }, { key: 'C', value: '' }, { key: 'D', value: '$A' },
    ]);
  });

  it('ENV legacy form: one pair, the value is the rest of the line', () => {
    assert.deepEqual(one('ENV PATH /usr/local/bin:/usr/bin', 'env').pairs, [{ key: 'PATH', value: '/usr/local/bin:/usr/bin' }]);
    assert.deepEqual(one('ENV MSG hello  big world', 'env').pairs, [{ key: 'MSG', value: 'hello  big world' }]);
  });

  it('LABEL new and legacy forms', () => {
    assert.deepEqual(one('LABEL org.opencontainers.image.title="berth" version=1.0', 'label').pairs, [
      { key: 'org.opencontainers.image.title', value: '"berth"' }, { key: 'version', value: '1.0' },
    ]);
    assert.deepEqual(one('LABEL description a small image', 'label').pairs, [{ key: 'description', value: 'a small image' }]);
  });

  it('errors', () => {
    fails('ENV', { message: 'ENV requires at least one argument', column: 1 });
    fails('LABEL', { message: 'LABEL requires at least one argument' });
    fails('ENV =x', { message: 'ENV names can not be blank' });
    fails('LABEL --x=1 a=b', { message: 'unknown flag: --x for LABEL', column: 7 });
  });
});

describe('EXPOSE, USER, WORKDIR, STOPSIGNAL, MAINTAINER', () => {
  it('EXPOSE ports', () => {
    assert.deepEqual(one('EXPOSE 80 443/tcp 53/udp $PORT', 'expose').ports, ['80', '443/tcp', '53/udp', '$PORT']);
    fails('EXPOSE', { message: 'EXPOSE requires at least 1 argument' });
  });

  it('USER', () => {
    assert.equal(one('USER app:app', 'user').user, 'app:app');
    assert.equal(one('USER 1000', 'user').user, '1000');
    fails('USER', { message: 'USER requires exactly 1 argument, but got 0' });
  });

  it('WORKDIR', () => {
    assert.equal(one('WORKDIR /app/$NAME', 'workdir').path, '/app/$NAME');
    assert.equal(one('WORKDIR /my dir', 'workdir').path, '/my dir');
    fails('WORKDIR', { message: 'WORKDIR requires exactly 1 argument' });
  });

  it('STOPSIGNAL', () => {
    assert.equal(one('STOPSIGNAL SIGKILL', 'stopsignal').signal, 'SIGKILL');
    assert.equal(one('STOPSIGNAL 9', 'stopsignal').signal, '9');
    fails('STOPSIGNAL', { message: 'STOPSIGNAL requires exactly 1 argument' });
  });

  it('MAINTAINER keeps the whole text', () => {
    assert.equal(one('MAINTAINER Jane Doe <jane@example.com>', 'maintainer').name, 'Jane Doe <jane@example.com>');
  });
});

describe('COPY', () => {
  it('defaults', () => {
    like(one('COPY a b', 'copy'), { sources: ['a'], dest: 'b', from: undefined, chown: undefined, chmod: undefined, link: false, parents: false, excludes: [], heredocs: [] });
  });

  it('every flag, --exclude repeatable', () => {
    const c = one('COPY --from=builder --chown=app:app --chmod=0755 --link --parents --exclude=*.md --exclude=tmp/ src1 src2 /dest/', 'copy');
    like(c, { sources: ['src1', 'src2'], dest: '/dest/', from: 'builder', chown: 'app:app', chmod: '0755', link: true, parents: true, excludes: ['*.md', 'tmp/'] });
  });

  it('--from by index or image, bool flags with explicit values', () => {
    assert.equal(one('COPY --from=0 a b', 'copy').from, '0');
    assert.equal(one('COPY --from=nginx:latest /etc/nginx /n', 'copy').from, 'nginx:latest');
    assert.equal(one('COPY --link=false a b', 'copy').link, false);
    assert.equal(one('COPY --link=TRUE --parents=false a b', 'copy').link, true);
  });

  it('--chmod: octal up to 07777, symbolic, or a variable left to the build', () => {
    for (const mode of ['755', '0644', '7', '07777', 'u+x', 'u+x,g-w', 'a=rX', '$MODE', '${MODE:-0644}']) {
      assert.equal(one(`COPY --chmod=${mode} a b`, 'copy').chmod, mode);
    }
    fails('COPY --chmod=999 a b', { message: 'invalid --chmod value "999"', column: 6, hint: '07777' });
    fails('COPY --chmod=10000 a b', { message: 'invalid --chmod value "10000"' });
    fails('COPY --chmod=rwx a b', { message: 'invalid --chmod value "rwx"' });
  });

  it('JSON form, and heredoc sources', () => {
    like(one('COPY ["a b", "c", "/d e/"]', 'copy'), { sources: ['a b', 'c'], dest: '/d e/' });
    const c = second('COPY <<EOF /etc/motd\nhello\nEOF', 'copy');
    like(c, { sources: ['<<EOF'], dest: '/etc/motd' });
    like(c.heredocs[0]!, { name: 'EOF', content: 'hello\n' });
  });

  it('errors', () => {
    fails('COPY a', { message: 'COPY requires at least two arguments, but got 1', column: 1 });
    fails('COPY --from= a b', { message: 'COPY --from needs a stage name, index or image', column: 6 });
    fails('COPY --chown= a b', { message: '--chown needs a user', column: 6 });
    fails('COPY --from a b', { message: 'missing a value on flag: --from', column: 6, hint: 'write it as --from=<value>' });
    fails('COPY --from=a --from=b x y', { message: 'duplicate flag specified: --from', column: 15 });
    fails('COPY --checksum=sha256:abc a b', { message: 'unknown flag: --checksum for COPY', column: 6 });
  });
});

describe('ADD', () => {
  it('defaults', () => {
    like(one('ADD a.tar.gz /x/', 'add'), {
      sources: ['a.tar.gz'], dest: '/x/', checksum: undefined, keepGitDir: false, unpack: undefined,
      chown: undefined, chmod: undefined, link: false, parents: false, excludes: [],
    });
  });

  it('its flags, --exclude repeatable', () => {
    const a = one('ADD --chown=1:1 --chmod=644 --link --exclude=*.txt --exclude=docs --keep-git-dir --unpack=false https://github.com/moby/buildkit.git#v0.10.1 /src', 'add');
    like(a, { chown: '1:1', chmod: '644', link: true, excludes: ['*.txt', 'docs'], keepGitDir: true, unpack: false, sources: ['https://github.com/moby/buildkit.git#v0.10.1'], dest: '/src' });
    assert.equal(one('ADD --unpack x.tgz /x', 'add').unpack, true);
    assert.equal(one('ADD --keep-git-dir=false git@github.com:a/b.git /b', 'add').keepGitDir, false);
  });

  it('--checksum with a URL', () => {
    assert.equal(one(`ADD --checksum=sha256:${SHA256} https://example.com/f.tgz /f.tgz`, 'add').checksum, `sha256:${SHA256}`);
    assert.equal(one(`ADD --checksum=sha512:${'0'.repeat(128)} http://example.com/f /f`, 'add').checksum, `sha512:${'0'.repeat(128)}`);
    const commit = 'f'.repeat(40);
    assert.equal(one(`ADD --checksum=${commit} https://github.com/moby/buildkit.git#v0.10.1 /src`, 'add').checksum, commit);
    // Variables are expanded (and then checked) by the build, as docker expands them first.
    assert.equal(one('ADD --checksum=$SUM $URL /f', 'add').checksum, '$SUM');
  });

  it('--checksum: invalid values', () => {
    fails('ADD --checksum=sha256:abc https://example.com/f /f', { message: 'invalid --checksum "sha256:abc"', column: 5, code: 'DOCKERFILE_FLAG', hint: 'sha256:' });
    fails(`ADD --checksum=md5:${'a'.repeat(32)} https://example.com/f /f`, { message: 'invalid --checksum' });
    fails(`ADD --checksum=sha256:${'A'.repeat(64)} https://example.com/f /f`, { message: 'invalid --checksum' });
    fails('ADD --checksum=nothex https://example.com/f /f', { message: 'invalid --checksum "nothex"' });
  });

  it('--checksum only with one URL or git source', () => {
    fails(`ADD --checksum=sha256:${SHA256} ./local.tgz /f`, { message: 'ADD --checksum requires an HTTP(S) or git source', column: 5 });
    fails(`ADD --checksum=sha256:${SHA256} https://a.example/f https://b.example/g /d/`, { message: 'ADD --checksum can\'t be specified for multiple sources', column: 5 });
  });

  it('--from and --parents are unknown flags for ADD, as in docker', () => {
    fails('ADD --from=builder a b', { message: 'unknown flag: --from for ADD', column: 5, code: 'DOCKERFILE_FLAG' });
    const e = fails('ADD --parents a b', { message: 'unknown flag: --parents for ADD', column: 5 });
    assert.ok(!e.hint?.includes('--parents'), e.hint);
  });

  it('other errors', () => {
    fails('ADD x', { message: 'ADD requires at least two arguments, but got 1' });
    fails('ADD --unpack=yes a b', { message: 'expecting boolean value for flag --unpack, not: yes', column: 5 });
  });
});

describe('VOLUME', () => {
  it('JSON and plain forms; paths trimmed as docker does', () => {
    assert.deepEqual(one('VOLUME ["/data", "/var/log"]', 'volume').paths, ['/data', '/var/log']);
    assert.deepEqual(one('VOLUME /a /b', 'volume').paths, ['/a', '/b']);
    assert.deepEqual(one('VOLUME [" /data "]', 'volume').paths, ['/data']);
  });

  it('errors', () => {
    fails('VOLUME [""]', { message: 'VOLUME specified can not be an empty string' });
    fails('VOLUME ["  "]', { message: 'VOLUME specified can not be an empty string' });
    fails('VOLUME', { message: 'VOLUME requires at least 1 argument' });
  });
});

describe('ARG', () => {
  it('several names with and without defaults', () => {
    assert.deepEqual(one('ARG A B=2 C= D=${A:-x}', 'arg').args, [
      { name: 'A', defaultValue: undefined }, { name: 'B', defaultValue: '2' }, { name: 'C', defaultValue: '' }, { name: 'D', defaultValue: '${A:-x}' },
    ]);
  });

  it('defaults keep their quotes (removed by expansion later)', () => {
    assert.deepEqual(one('ARG V="1 2" W=a=b', 'arg').args, [{ name: 'V', defaultValue: '"1 2"' }, { name: 'W', defaultValue: 'a=b' }]);
  });

  it('names docker accepts', () => {
    assert.deepEqual(one('ARG my-arg=1 _x 9lives', 'arg').args.map((a) => a.name), ['my-arg', '_x', '9lives']);
  });

  it('invalid names and missing names', () => {
    fails('ARG =x', { message: 'ARG names can not be blank', column: 1, code: 'DOCKERFILE_INSTRUCTION' });
    fails('ARG A=1 =2', { message: 'ARG names can not be blank' });
    fails('ARG', { message: 'ARG requires at least 1 argument' });
  });
});

describe('ONBUILD', () => {
  it('trigger text and the nested typed instruction', () => {
    const o = one('ONBUILD RUN echo hi', 'onbuild');
    assert.equal(o.trigger, 'RUN echo hi');
    assert.equal(o.instruction.kind, 'run');
    assert.deepEqual((o.instruction as Of<'run'>).command, { form: 'shell', script: 'echo hi' });
  });

  it('the trigger is the line minus ONBUILD, as written (docker does not upper-case it)', () => {
    const o = one('onbuild   copy --chown=1 . /app', 'onbuild');
    assert.equal(o.trigger, 'copy --chown=1 . /app');
    like(o.instruction as Of<'copy'>, { kind: 'copy', chown: '1', sources: ['.'], dest: '/app' });
  });

  it('a heredoc trigger carries its body', () => {
    const o = second('ONBUILD RUN <<EOF\necho hi\nEOF', 'onbuild');
    assert.equal(o.trigger, 'RUN <<EOF\necho hi\nEOF');
    assert.equal((o.instruction as Of<'run'>).heredocs[0]!.content, 'echo hi\n');
  });

  it('forbidden triggers', () => {
    fails('ONBUILD ONBUILD RUN x', { message: 'chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed', column: 1 });
    fails('ONBUILD FROM alpine', { message: 'FROM isn\'t allowed as an ONBUILD trigger', column: 1 });
    fails('onbuild maintainer me', { message: 'MAINTAINER isn\'t allowed as an ONBUILD trigger' });
    fails('ONBUILD', { message: 'ONBUILD requires at least one argument' });
  });

  it('errors in the trigger are positioned on it', () => {
    fails('ONBUILD COPY a', { message: 'COPY requires at least two arguments', column: 9 });
    fails('ONBUILD RUNN x', { message: 'unknown instruction: RUNN (did you mean RUN?)', column: 9 });
    fails('ONBUILD COPY --bogus=1 a b', { message: 'unknown flag: --bogus for COPY', column: 14 });
  });
});

describe('HEALTHCHECK', () => {
  const none = { interval: undefined, timeout: undefined, startPeriod: undefined, startInterval: undefined, retries: undefined };

  it('NONE', () => {
    like(one('HEALTHCHECK NONE', 'healthcheck'), { test: ['NONE'], ...none });
    like(one('healthcheck none', 'healthcheck'), { test: ['NONE'] });
    // Docker reads no flags for NONE.
    like(one('HEALTHCHECK --interval=5s NONE', 'healthcheck'), { test: ['NONE'], ...none });
    fails('HEALTHCHECK NONE now', { message: 'HEALTHCHECK NONE takes no arguments', column: 1 });
  });

  it('CMD shell form → CMD-SHELL, JSON form → CMD', () => {
    like(one('HEALTHCHECK CMD curl -f http://localhost/ || exit 1', 'healthcheck'), { test: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'], ...none });
    like(one('HEALTHCHECK cmd ["curl", "-f", "http://localhost/"]', 'healthcheck'), { test: ['CMD', 'curl', '-f', 'http://localhost/'] });
  });

  it('every duration flag in nanoseconds, and retries', () => {
    const h = one('HEALTHCHECK --interval=30s --timeout=1m30s --start-period=1.5h --start-interval=500ms --retries=3 CMD true', 'healthcheck');
    like(h, { interval: 30e9, timeout: 90e9, startPeriod: 5400e9, startInterval: 500e6, retries: 3 });
    like(one('HEALTHCHECK --interval=1ms --timeout=1h2m3s4ms5us6ns --start-period=0 --start-interval=0s CMD true', 'healthcheck'),
      { interval: 1e6, timeout: 3723004005006, startPeriod: 0, startInterval: 0 });
    like(one('HEALTHCHECK --interval=+2s --timeout=.5s --retries=0 CMD true', 'healthcheck'), { interval: 2e9, timeout: 500e6, retries: 0 });
    // An empty value is docker's 0: use the default.
    like(one('HEALTHCHECK --interval= --retries= CMD true', 'healthcheck'), { interval: 0, retries: 0 });
  });

  it('invalid durations', () => {
    fails('HEALTHCHECK --interval=30 CMD true', { message: '--interval: invalid duration "30"', column: 13, code: 'DOCKERFILE_FLAG', hint: '30s' });
    fails('HEALTHCHECK --timeout=abc CMD true', { message: '--timeout: invalid duration "abc"', column: 13 });
    fails('HEALTHCHECK --start-period=1d CMD true', { message: '--start-period: invalid duration "1d"' });
    fails('HEALTHCHECK --interval=5s --start-interval=5 CMD true', { message: '--start-interval: invalid duration "5"', column: 27 });
  });

  it('durations under 1ms', () => {
    fails('HEALTHCHECK --interval=999us CMD true', { message: '--interval cannot be less than 1ms', column: 13 });
    fails('HEALTHCHECK --timeout=500ns CMD true', { message: '--timeout cannot be less than 1ms' });
    fails('HEALTHCHECK --start-period=-1s CMD true', { message: '--start-period cannot be less than 1ms' });
    fails('HEALTHCHECK --start-interval=0.5ms CMD true', { message: '--start-interval cannot be less than 1ms' });
  });

  it('invalid retries', () => {
    fails('HEALTHCHECK --retries=-1 CMD true', { message: '--retries cannot be negative (-1)', column: 13 });
    fails('HEALTHCHECK --retries=three CMD true', { message: '--retries: invalid number "three"', column: 13 });
    fails('HEALTHCHECK --retries=1.5 CMD true', { message: '--retries: invalid number "1.5"' });
    fails('HEALTHCHECK --retries=99999999999 CMD true', { message: '--retries: invalid number' });
  });

  it('unknown type, missing command, unknown flag', () => {
    fails('HEALTHCHECK RUN true', { message: 'unknown type "RUN" in HEALTHCHECK (try CMD)', column: 1 });
    fails('HEALTHCHECK CMD', { message: 'missing command after HEALTHCHECK CMD' });
    fails('HEALTHCHECK', { message: 'HEALTHCHECK requires at least one argument' });
    fails('HEALTHCHECK --every=5s CMD true', { message: 'unknown flag: --every for HEALTHCHECK', column: 13, hint: '--interval' });
  });

  it('parseDuration follows Go', () => {
    assert.equal(parseDuration('1h'), 3600e9);
    assert.equal(parseDuration('1.5s'), 1.5e9);
    assert.equal(parseDuration('-2m'), -120e9);
    assert.equal(parseDuration('0'), 0);
    assert.equal(parseDuration('1µs'), 1e3);
    assert.equal(parseDuration(''), undefined);
    assert.equal(parseDuration('1'), undefined);
    assert.equal(parseDuration('1s '), undefined);
    assert.equal(parseDuration('s'), undefined);
  });
});

describe('SHELL', () => {
  it('JSON form', () => {
    assert.deepEqual(one('SHELL ["/bin/bash", "-o", "pipefail", "-c"]', 'shell').shell, ['/bin/bash', '-o', 'pipefail', '-c']);
  });

  it('JSON only', () => {
    fails('SHELL /bin/bash -c', { message: 'SHELL requires the arguments to be in JSON form', column: 1, hint: 'SHELL ["/bin/bash", "-c"]' });
    fails('SHELL []', { message: 'SHELL requires at least one argument' });
  });
});

describe('flags', () => {
  it('an unknown flag lists the ones the keyword takes', () => {
    fails('RUN --bogus=1 true', { message: 'unknown flag: --bogus for RUN', column: 5, code: 'DOCKERFILE_FLAG', hint: 'RUN accepts --mount, --network, --security' });
    fails('USER --x root', { message: 'unknown flag: --x for USER', column: 6, hint: 'USER takes no flags' });
    const e = fails('COPY --bogus=1 --chown=x a b', { message: 'unknown flag: --bogus for COPY', column: 6 });
    assert.deepEqual(e.range?.end, { line: 2, column: 15 });
  });

  it('a repeated flag (other than a list flag)', () => {
    fails('COPY --chown=a --chown=b x y', { message: 'duplicate flag specified: --chown', column: 16, code: 'DOCKERFILE_FLAG' });
    fails('COPY --link --link x y', { message: 'duplicate flag specified: --link', column: 13 });
    assert.deepEqual(one('COPY --exclude=a --exclude=b x y', 'copy').excludes, ['a', 'b']);
  });

  it('a string flag without a value', () => {
    fails('COPY --chown a b', { message: 'missing a value on flag: --chown', column: 6, hint: '--chown=<value>' });
    fails('ADD --checksum https://example.com/f /f', { message: 'missing a value on flag: --checksum', column: 5 });
    fails('COPY --exclude a b', { message: 'missing a value on flag: --exclude' });
  });

  it('a bool flag with a bad value, or `=` and no value (as docker)', () => {
    fails('COPY --link=maybe a b', { message: 'expecting boolean value for flag --link, not: maybe', column: 6, code: 'DOCKERFILE_FLAG' });
    fails('COPY --link= a b', { message: 'missing a value on flag: --link', column: 6 });
  });
});

describe('unknown instructions', () => {
  it('with a suggestion, in the case they were written in', () => {
    check(errorsOf('FROM a\nRUNN echo')[0]!, { message: /^unknown instruction: RUNN \(did you mean RUN\?\)$/, line: 2, column: 1, code: 'DOCKERFILE_INSTRUCTION' });
    check(errorsOf('FROM a\n  COPPY a b')[0]!, { message: /^unknown instruction: COPPY \(did you mean COPY\?\)$/, line: 2, column: 3 });
    check(errorsOf('FRMO alpine')[0]!, { message: /^unknown instruction: FRMO \(did you mean FROM\?\)$/, line: 1, column: 1 });
    check(errorsOf('FROM a\nrunn echo')[0]!, { message: /^unknown instruction: runn \(did you mean run\?\)$/, line: 2 });
    check(errorsOf('FROM a\nWORKDIRR /x')[0]!, { message: 'did you mean WORKDIR?', line: 2 });
  });

  it('without one when nothing is close', () => {
    const e = errorsOf('FROM a\nFOOBAR x')[0]!;
    check(e, { message: /^unknown instruction: FOOBAR$/, line: 2, column: 1 });
    assert.deepEqual(e.range?.end, { line: 2, column: 7 });
    check(errorsOf('FROM a\nXYZZY x')[0]!, { message: /^unknown instruction: XYZZY$/, line: 2 });
  });

  it('suggest follows BuildKit: distance below 3, none for an exact match', () => {
    assert.equal(suggest('FRMO', ['from', 'run']), 'FROM');
    assert.equal(suggest('Runn', ['from', 'run']), 'run');
    assert.equal(suggest('run', ['from', 'run']), undefined);
    assert.equal(suggest('abcdef', ['from', 'run']), undefined);
    assert.equal(suggest('tag', ['TAG'], { caseSensitive: true }), undefined);
    assert.equal(suggest('TAGG', ['TAG', 'tag'], { caseSensitive: true }), 'TAG');
  });
});

describe('convertTree', () => {
  it('collects every error, in line order, and converts the rest', () => {
    const { tree } = parseDockerfile('FROM a\nRUNN x\nCOPY a b\nCOPY --link=maybe a b\nUSER\nEXPOSE 80\n');
    const { instructions, errors } = convertTree(tree);
    assert.deepEqual(instructions.map((i) => i.kind), ['from', 'copy', 'expose']);
    assert.deepEqual(errors.map((e) => [e.range?.start.line, e.code]), [
      [2, 'DOCKERFILE_INSTRUCTION'], [4, 'DOCKERFILE_FLAG'], [5, 'DOCKERFILE_INSTRUCTION'],
    ]);
  });

  it('continuation lines: the range covers them and original joins them', () => {
    const [, run] = convert('FROM a\nRUN apt-get update && \\\n    apt-get install -y curl\n');
    assert.deepEqual([run!.range.start.line, run!.range.end.line], [2, 3]);
    assert.equal((run as Of<'run'>).command.form, 'shell');
    assert.ok((run as Of<'run'>).original.startsWith('RUN apt-get update && '));
  });
});

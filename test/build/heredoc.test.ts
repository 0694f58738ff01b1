// Heredocs executed as BuildKit runs them, end to end through the CLI on a busybox base with real
// runc: RUN <<EOF as the script, a `#!` heredoc run by its interpreter from /dev/pipes, several
// heredocs on one command line, COPY/ADD <<EOF creating files (0644, --chmod, --chown), expansion
// only for unquoted terminators, `<<-` tab stripping, and the cache keyed on heredoc bodies.
import assert from 'node:assert/strict';
import { lstatSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runcUnavailable } from '../runtime/helpers.ts';
import { build, step, type Built } from './e2e-helpers.ts';
import { assertBuilt as ok, Workspace } from './fixture-builds.ts';

const BASE = 'heredoc/busybox:1';
const skip = runcUnavailable();

describe('heredocs', { skip, concurrency: false }, () => {
  let ws: Workspace;
  let work: string;
  let root: string;

  before(async () => {
    ws = await Workspace.create('heredoc', BASE);
    ({ work, root } = ws);
  });
  after(async () => ws?.dispose());

  /** Builds `dockerfile` in a fresh context as `tag`; returns the build and the flattened rootfs. */
  async function buildIt(dockerfile: string, tag: string, args: string[] = []): Promise<{ b: Built; fs: string }> {
    const b = await build(root, ['-t', tag, ...args, await ws.context(dockerfile)]);
    ok(b);
    return { b, fs: await ws.rootfs(tag) };
  }
  const read = (fs: string, p: string): string => readFileSync(path.join(fs, p), 'utf8');
  const mode = (fs: string, p: string): number => lstatSync(path.join(fs, p)).mode & 0o7777;

  it('RUN <<EOF runs the body as the shell script; <<- strips tabs; a quoted terminator still reaches the shell', async () => {
    const { fs } = await buildIt(`FROM ${BASE}
ENV GREETING=hello
RUN <<EOF
echo "$GREETING from the script" > /r1
echo line2 >> /r1
EOF
RUN <<-EOT
\techo tabbed > /r2
\tEOT
RUN <<'EOF'
echo "$GREETING quoted" > /r3
EOF
`, 'heredoc/run:1');
    assert.equal(read(fs, 'r1'), 'hello from the script\nline2\n');
    assert.equal(read(fs, 'r2'), 'tabbed\n');
    // RUN heredocs are never expanded by the frontend: the shell sees $GREETING either way.
    assert.equal(read(fs, 'r3'), 'hello quoted\n');
  });

  it('a #! heredoc is run by its interpreter from /dev/pipes/<name>, and /dev/pipes stays out of the image', async () => {
    const { b, fs } = await buildIt(`FROM ${BASE}
RUN <<EOF
#!/bin/awk -f
BEGIN { print "awk ran me" > "/awk-out"; print ARGV[0] > "/awk-argv" }
EOF
RUN <<SCRIPT
#!/bin/sh -e
echo "\$0" > /script-path
ls -l /dev/pipes/ > /pipes-listing
touch /dev/pipes/x 2>/dev/null && echo writable > /pipes-rw || echo read-only > /pipes-rw
SCRIPT
`, 'heredoc/shebang:1');
    assert.equal(read(fs, 'awk-out'), 'awk ran me\n');
    assert.equal(read(fs, 'script-path'), '/dev/pipes/SCRIPT\n');
    assert.match(read(fs, 'pipes-listing'), /^-rwxr-xr-x .* SCRIPT$/m);
    assert.equal(read(fs, 'pipes-rw'), 'read-only\n');
    assert.equal(lstatSync(path.join(fs, 'dev'), { throwIfNoEntry: false })?.isDirectory() ?? false, false, 'nothing under /dev reaches a layer');
    assert.match(step(b, 'RUN <<SCRIPT').text, /RUN <<SCRIPT/);
  });

  it('several heredocs on one command line are fed to the command as the shell reads them', async () => {
    const { fs } = await buildIt(`FROM ${BASE}
RUN <<A cat /dev/stdin > /multi1 && cat <<B > /multi2
first body
A
second body
B
RUN sh -c 'cat; cat <&3' <<X 3<<Y > /fd
from stdin
X
from fd 3
Y
`, 'heredoc/multi:1');
    assert.equal(read(fs, 'multi1'), 'first body\n');
    assert.equal(read(fs, 'multi2'), 'second body\n');
    assert.equal(read(fs, 'fd'), 'from stdin\nfrom fd 3\n');
  });

  it('COPY <<EOF creates files 0644 (--chmod, --chown), expanding only unquoted bodies, quotes kept', async () => {
    const { fs } = await buildIt(`FROM ${BASE}
ARG NAME=world
ENV WHO=env-value
COPY <<EOF /etc/greeting
hello $NAME, "$WHO" and '\${WHO}' \\$NAME
EOF
COPY <<"EOF" /etc/raw
hello $NAME "q"
EOF
COPY --chmod=0755 --chown=1000:50 <<run.sh <<-cfg.ini /opt/app/
#!/bin/sh
echo run
run.sh
\t[section]
\tkey = $WHO
\tcfg.ini
ADD <<EOF /added.txt
added by ADD
EOF
`, 'heredoc/copy:1');
    assert.equal(read(fs, 'etc/greeting'), 'hello world, "env-value" and \'env-value\' $NAME\n');
    assert.equal(read(fs, 'etc/raw'), 'hello $NAME "q"\n');
    assert.equal(mode(fs, 'etc/greeting'), 0o644);
    assert.equal(read(fs, 'opt/app/run.sh'), '#!/bin/sh\necho run\n');
    assert.equal(read(fs, 'opt/app/cfg.ini'), '[section]\nkey = env-value\n');
    assert.equal(mode(fs, 'opt/app/run.sh'), 0o755);
    const st = lstatSync(path.join(fs, 'opt/app/cfg.ini'));
    assert.deepEqual([st.uid, st.gid, st.mode & 0o777], [1000, 50, 0o755]);
    assert.equal(read(fs, 'added.txt'), 'added by ADD\n');
  });

  it('the cache key covers heredoc bodies: a changed body reruns, an unchanged one is cached', async () => {
    const df = (body: string): string => `FROM ${BASE}\nRUN <<EOF\necho ${body} > /out\nEOF\nCOPY <<EOF /copied\n${body}\nEOF\n`;
    const ctx = path.join(work, 'ctx-cache');
    await mkdir(ctx, { recursive: true });
    await writeFile(path.join(ctx, 'Dockerfile'), df('one'));
    const first = await build(root, ['-t', 'heredoc/cache:1', ctx]);
    ok(first);
    const again = await build(root, ['-t', 'heredoc/cache:1', ctx]);
    ok(again);
    assert.equal(step(again, 'RUN <<EOF').cached, true, again.stderr);
    assert.equal(step(again, 'COPY <<EOF').cached, true, again.stderr);
    await writeFile(path.join(ctx, 'Dockerfile'), df('two'));
    const changed = await build(root, ['-t', 'heredoc/cache:2', ctx]);
    ok(changed);
    assert.equal(step(changed, 'RUN <<EOF').cached, false, changed.stderr);
    assert.equal(step(changed, 'COPY <<EOF').cached, false, changed.stderr);
    const fs = await ws.rootfs('heredoc/cache:2');
    assert.equal(read(fs, 'out'), 'two\n');
    assert.equal(read(fs, 'copied'), 'two\n');
  });

  it('a heredoc named like a path is refused with a typed error', async () => {
    const ctx = path.join(work, 'ctx-bad');
    await mkdir(ctx, { recursive: true });
    await writeFile(path.join(ctx, 'Dockerfile'), `FROM ${BASE}\nCOPY <<a/b /x/\nbody\na/b\n`);
    const b = await build(root, [ctx]);
    assert.notEqual(b.code, 0);
    assert.match(b.stderr, /heredoc name "a\/b" cannot be a file name/);
    assert.doesNotMatch(b.stderr, /\n\s+at /, 'no stack trace');
  });
});

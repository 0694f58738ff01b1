// The Dockerfiles of the differential build suite (build-diff.test.ts): each is built by docker's
// BuildKit and by berth from the same context over the same busybox base, and the images compared.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, linkSync, lutimesSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The shared base: a busybox rootfs with every applet, users, groups and some lower files (see basePopulate). */
export const BASE = 'berth-diff/busybox:base';

/** A context entry: text (mode 0644), or a file with mode/owner, a directory, a symlink, or a hardlink to another entry. */
export type Entry = string | { text: string; mode?: number; owner?: [number, number] } | { dir: true; mode?: number } | { symlink: string } | { hardlink: string };

export interface Case {
  name: string;
  dockerfile: string;
  /** Context files (the Dockerfile is written as `Dockerfile` unless `dockerfilePath` says otherwise). */
  files?: Record<string, Entry>;
  /** More context set-up (archives), after `files`. */
  prepare?: (ctx: string) => void;
  buildArgs?: Record<string, string>;
  target?: string;
  /** Built first by both, from the same context, under this tag (for FROM in `dockerfile`). */
  parent?: { tag: string; dockerfile: string };
  /** Paths (prefixes, relative to /) whose non-directory mtimes must agree too (COPY/ADD keep them). */
  mtimes?: string[];
  /** Checks on docker's result, so the case is not vacuous: `read` gives a file's text from its rootfs. */
  expect?: (r: { read: (p: string) => string; config: Record<string, unknown> }) => void;
  /**
   * Where docker 20.10's BuildKit (the engine these tests can run) and the current BuildKit that berth
   * follows differ: docker's value at `at` (a history row's created_by, or `fs:<path>:<field>`) must be
   * exactly `was`, and is compared as `now`. Each entry names the BuildKit change in `why`.
   */
  current?: Array<{ at: number | string; was: string; now: string; why: string }>;
  /** What docker builds instead of `dockerfile`, where docker 20.10 lacks the syntax (heredocs). */
  dockerDockerfile?: string;
  /**
   * Empty mount points of RUN --mount targets that docker 20.10 leaves in its layers and current
   * BuildKit removes (client/llb exec sets RemoveMountStubsRecursive since v0.11, 6b265b1ba and
   * 2cae26f61): each must be an empty directory or file in docker's result and absent from berth's.
   */
  mountStubs?: string[];
  /** Build secrets by id (their values), given to both builds as `--secret id=<id>,src=<file>`. */
  secrets?: Record<string, string>;
  /** Set when berth is known to differ and the fix is not local: the reason, precisely. */
  todo?: string;
}

/** Every file the context helpers write gets this mtime (2021-01-02T03:04:05Z). */
export const CONTEXT_MTIME = 1609556645;

const rootfsPasswd = `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
app:x:1000:1000:app user:/home/app:/bin/sh
svc:x:1001:50:service:/srv:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
`;
const rootfsGroup = `root:x:0:
daemon:x:1:
staff:x:50:app
app:x:1000:
nogroup:x:65534:
`;

/** Fills the base rootfs (busybox and four applets are there already). */
export function basePopulate(busybox: string) {
  return (rootfs: string): void => {
    const applets = spawnSync(busybox, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter((a) => /^[\w.[-]+$/.test(a));
    const have = new Set(readdirSync(path.join(rootfs, 'bin')));
    for (const a of applets) if (!have.has(a) && a !== 'busybox') symlinkSync('busybox', path.join(rootfs, 'bin', a));
    const mk = (p: string, mode: number, owner: [number, number] = [0, 0]): void => {
      mkdirSync(path.join(rootfs, p), { recursive: true });
      chmodSync(path.join(rootfs, p), mode);
      chownSync(path.join(rootfs, p), ...owner);
    };
    mk('etc', 0o755);
    writeFileSync(path.join(rootfs, 'etc/passwd'), rootfsPasswd);
    writeFileSync(path.join(rootfs, 'etc/group'), rootfsGroup);
    mk('tmp', 0o1777);
    mk('root', 0o700);
    mk('home/app', 0o755, [1000, 1000]);
    mk('opt/lower/dir', 0o755);
    for (const [p, text] of [['keep.txt', 'keep\n'], ['doomed.txt', 'doomed\n'], ['dir/x', 'x\n'], ['dir/y', 'y\n'], ['hard-a', 'hard\n']]) {
      writeFileSync(path.join(rootfs, 'opt/lower', p!), text!);
    }
    linkSync(path.join(rootfs, 'opt/lower/hard-a'), path.join(rootfs, 'opt/lower/hard-b'));
  };
}

/** Writes `files` under `ctx` (parents made as needed), every mtime CONTEXT_MTIME. */
export function writeContext(ctx: string, files: Record<string, Entry>): void {
  const made: string[] = [];
  for (const [rel, e] of Object.entries(files)) {
    const p = path.join(ctx, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    if (typeof e === 'string') writeFileSync(p, e);
    else if ('text' in e) {
      writeFileSync(p, e.text);
      chmodSync(p, e.mode ?? 0o644);
      if (e.owner) chownSync(p, ...e.owner);
    } else if ('dir' in e) {
      mkdirSync(p, { recursive: true });
      if (e.mode !== undefined) chmodSync(p, e.mode);
    } else if ('symlink' in e) symlinkSync(e.symlink, p);
    else linkSync(path.join(ctx, e.hardlink), p);
    made.push(p);
  }
  // Deepest first, so setting a file's time does not disturb its directory's afterwards.
  const all = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? [...all(p), p] : [p];
  });
  for (const p of all(ctx)) lutimesSync(p, CONTEXT_MTIME, CONTEXT_MTIME);
}

/** A tree packed into archives for ADD: tar, tar.gz, tar.bz2, tar.xz, a tar under a non-archive name, and a plain .gz file. */
function makeArchives(ctx: string): void {
  const tree = path.join(ctx, '..', 'archive-tree');
  writeContext(tree, {
    'top.txt': 'top\n',
    'dir/inner.txt': { text: 'inner\n', mode: 0o640, owner: [1234, 5678] },
    'dir/exec.sh': { text: '#!/bin/sh\necho exec\n', mode: 0o755 },
    'dir/setuid': { text: 'suid\n', mode: 0o4755 },
    'dir/private': { dir: true, mode: 0o700 },
    'dir/empty': { dir: true },
    'dir/link': { symlink: 'inner.txt' },
    'dir/abs-link': { symlink: '/etc/passwd' },
    'dir/hard': { hardlink: 'dir/inner.txt' },
  });
  chownSync(path.join(tree, 'dir'), 1234, 5678);
  const tar = (args: string[]): void => {
    const r = spawnSync('tar', ['--numeric-owner', '--sort=name', '-C', tree, ...args, '.'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tar ${args.join(' ')}: ${r.stderr}`);
  };
  tar(['-cf', path.join(ctx, 'tree.tar')]);
  tar(['-czf', path.join(ctx, 'tree.tar.gz')]);
  tar(['-cjf', path.join(ctx, 'tree.tar.bz2')]);
  tar(['-cJf', path.join(ctx, 'tree.tar.xz')]);
  tar(['-cf', path.join(ctx, 'data.bin')]);
  writeFileSync(path.join(ctx, 'plain.txt'), 'not an archive\n');
  const gz = spawnSync('gzip', ['-n', '-k', path.join(ctx, 'plain.txt')]);
  if (gz.status !== 0) throw new Error('gzip failed');
  for (const f of ['tree.tar', 'tree.tar.gz', 'tree.tar.bz2', 'tree.tar.xz', 'data.bin', 'plain.txt', 'plain.txt.gz']) {
    lutimesSync(path.join(ctx, f), CONTEXT_MTIME, CONTEXT_MTIME);
  }
}

const B = BASE;

/**
 * The BuildKit changes since docker 20.10's (BuildKit v0.8, Dockerfile frontend 1.2) that these cases
 * meet; berth follows the current frontend (moby/buildkit master of 2026-08, frontend 1.26).
 */
type Current = NonNullable<Case['current']>[number];
const since = (why: string) => (at: number | string, was: string, now: string): Current => ({ at, was, now, why });
const copyFlags = since('frontend 1.7.0 (moby/buildkit c7ce41a2f) writes --chown and --chmod into the COPY/ADD history line');
const argValue = since('frontend 1.8.0 (47a52a17b) writes the value an ARG took (--build-arg, default or global) into its history line');
const baseStageArgs = since('frontend 1.9.0 (c7c2f0e97) starts a stage FROM another stage with that stage\'s ARGs, so RUN history lists them');
const argOnce = since('frontend 1.12.0 (e2be8f768) lists an ARG declared twice once in RUN history, with its current value');
const exposeList = since('frontend 1.19.0 (98eab3257) writes EXPOSE history as the ports in instruction order, not as the sorted Go map');
const healthcheck = since('frontend 1.24.0 (d67dafeb8) writes HEALTHCHECK history with %+v (field names, StartInterval); 20.10 printed %q of the pointer');
const chmodSpecial = since('current fsutil copy (copy_unix.go) keeps the setuid/setgid/sticky bits of --chmod; 20.10 kept only the permission bits');
const primaryGid = since('BuildKit v0.12 (a0ef27c59, executor/oci/user.go ensureAdditionalGids) adds the primary group to RUN\'s supplementary groups');
const heredoc = since('docker 20.10 predates heredocs (frontend 1.4): docker builds dockerDockerfile, whose RUN lines current BuildKit writes as shown');
const b = '# buildkit';
const eq = (a: unknown, b: unknown, what: string): void => {
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${what}: ${JSON.stringify(a)}, expected ${JSON.stringify(b)}`);
};
const cfgOf = (config: Record<string, unknown>): Record<string, unknown> => (config.config ?? {}) as Record<string, unknown>;

const srcTree: Record<string, Entry> = {
  'a.txt': 'a\n',
  'b.txt': 'b\n',
  'src/one.txt': 'one\n',
  'src/nested/two.txt': { text: 'two\n', mode: 0o600 },
  'src/nested/deeper/three': { text: '#!/bin/sh\n', mode: 0o755 },
  'src/private': { dir: true, mode: 0o700 },
  'src/empty': { dir: true },
  'src/owned': { text: 'owned by 1234 in the context\n', owner: [1234, 5678] },
};

export const CASES: Case[] = [
  {
    name: 'env-forms',
    dockerfile: `FROM ${B}
ENV A=1 B="two words" C=three\\ four
ENV D five six
ENV E=\${A}-\${B} F=$A$C G="\${UNSET:-dflt}" H="\${A:+set}" I='$A' J="\\$A" K=\${UNSET:+no}
ENV PATH=/opt/bin:$PATH EMPTY=
ENV A=one ONE_REF=$A
RUN echo "$A|$B|$C|$D|$E|$F|$G|$H|$I|$J|$K|$PATH|$EMPTY|$ONE_REF" > /env.txt
`,
    expect: ({ read }) => eq(read('env.txt'), 'one|two words|three four|five six|1-two words|1three four|dflt|set|$A|$A||/opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin||1\n', 'env.txt'),
  },
  {
    name: 'env-expansion-in-instructions',
    files: { 'a.txt': 'a\n' },
    dockerfile: `FROM ${B}
ENV APPDIR=/srv/app PORT=8080 SIG=SIGUSR1 UID=1000
WORKDIR $APPDIR/sub
COPY a.txt \${APPDIR}/a.txt
COPY a.txt $APPDIR/\${NOPE:-fallback}.txt
EXPOSE $PORT \${PORT}/udp
LABEL dir=$APPDIR port="\${PORT}" literal='$PORT'
VOLUME $APPDIR/data
STOPSIGNAL $SIG
USER \${UID}:50
ENV HOMEDIR=~ TILDE=\${APPDIR}~
`,
    mtimes: ['srv/app/a.txt', 'srv/app/fallback.txt'],
    current: [exposeList(5, 'EXPOSE map[8080/tcp:{} 8080/udp:{}]', 'EXPOSE [8080/tcp 8080/udp]')],
    expect: ({ config }) => eq(cfgOf(config).WorkingDir, '/srv/app/sub', 'WorkingDir'),
  },
  {
    name: 'arg-defaults-and-build-args',
    buildArgs: { V2: 'given', V3: 'over' },
    current: [
      argValue(2, 'ARG V2', 'ARG V2=given'),
      argValue(3, 'ARG V3=three', 'ARG V3=over'),
      argOnce(9, `RUN |5 V1=redeclared V2=given V3=over V4= V1=redeclared /bin/sh -c echo "$V1" > /v1.txt ${b}`, `RUN |4 V1=redeclared V2=given V3=over V4= /bin/sh -c echo "$V1" > /v1.txt ${b}`),
    ],
    dockerfile: `FROM ${B}
ARG V1=default1
ARG V2
ARG V3=three
ARG V4
RUN echo "$V1|$V2|$V3|$V4|\${V4:-unset}" > /args.txt
ENV FROMARG=$V1 FROMV3=$V3
LABEL v3=$V3 v2=$V2
ARG V1=redeclared
RUN echo "$V1" > /v1.txt
`,
    expect: ({ read }) => {
      eq(read('args.txt'), 'default1|given|over||unset\n', 'args.txt');
      eq(read('v1.txt'), 'redeclared\n', 'v1.txt');
    },
  },
  {
    name: 'arg-global-redeclared',
    buildArgs: { G: 'cli' },
    current: [argValue(1, 'ARG G', 'ARG G=cli'), argValue(2, 'ARG TAG', 'ARG TAG=base')],
    dockerfile: `ARG IMG=berth-diff/busybox
ARG TAG=base
ARG G=global
ARG H=hidden
FROM $IMG:$TAG
ARG G
ARG TAG
RUN echo "g=$G h=$H tag=$TAG" > /g.txt
ARG H=local
RUN echo "h=$H" > /h.txt
`,
    expect: ({ read }) => eq(read('g.txt'), 'g=cli h= tag=base\n', 'g.txt'),
  },
  {
    name: 'arg-global-defaults',
    current: [argValue(1, 'ARG G', 'ARG G=global')],
    dockerfile: `ARG G=global
FROM ${B}
ARG G
ARG G2=\${G}-2
RUN echo "$G $G2" > /g.txt
`,
    expect: ({ read }) => eq(read('g.txt'), 'global global-2\n', 'g.txt'),
  },
  {
    name: 'env-overrides-arg',
    buildArgs: { X: 'cli' },
    current: [
      argValue(1, 'ARG X=fromarg', 'ARG X=cli'),
      argValue(5, 'ARG X=again', 'ARG X=cli'),
      argOnce(6, `RUN |2 X=cli X=cli /bin/sh -c echo "3 $X" > /x3.txt ${b}`, `RUN |1 X=cli /bin/sh -c echo "3 $X" > /x3.txt ${b}`),
    ],
    dockerfile: `FROM ${B}
ARG X=fromarg
RUN echo "1 $X" > /x1.txt
ENV X=fromenv
RUN echo "2 $X" > /x2.txt
ARG X=again
RUN echo "3 $X" > /x3.txt
ENV Y=$X
ARG Z=zz
ENV Z=\${Z}-env
`,
    // BuildKit keeps one environment for ENV and ARG: an ARG after ENV wins in RUN (the config keeps the ENV value).
    expect: ({ read }) => eq([read('x1.txt'), read('x2.txt'), read('x3.txt')], ['1 cli\n', '2 fromenv\n', '3 cli\n'], 'x files'),
  },
  {
    name: 'workdir-chains',
    dockerfile: `FROM ${B}
WORKDIR /a
WORKDIR b
WORKDIR ../c/./d
ENV W=/e
WORKDIR $W/f/
RUN pwd > /pwd.txt
WORKDIR /bin
WORKDIR /opt/lower
RUN touch here
USER app
WORKDIR /owned/by/app
USER 1001:1000
WORKDIR /owned/by/app/numeric
USER root
WORKDIR /
WORKDIR /x/./y/
`,
    expect: ({ read, config }) => {
      eq(read('pwd.txt'), '/e/f\n', 'pwd.txt');
      eq(cfgOf(config).WorkingDir, '/x/./y/', 'WorkingDir');
    },
  },
  {
    name: 'user-name-and-uid',
    current: [
      primaryGid('fs:tmp/id-app.txt:text', 'uid=1000(app) gid=1000(app) groups=50(staff)\n', 'uid=1000(app) gid=1000(app) groups=50(staff),1000(app)\n'),
      primaryGid('fs:tmp/id-num.txt:text', 'uid=1000(app) gid=50(staff)\n', 'uid=1000(app) gid=50(staff) groups=50(staff)\n'),
      primaryGid('fs:tmp/id-unknown.txt:text', 'uid=2000 gid=0(root)\n', 'uid=2000 gid=0(root) groups=0(root)\n'),
      primaryGid('fs:id-root.txt:text', 'uid=0(root) gid=0(root)\n', 'uid=0(root) gid=0(root) groups=0(root)\n'),
      primaryGid('fs:tmp/id-app-staff.txt:text', 'uid=1000(app) gid=50(staff)\n', 'uid=1000(app) gid=50(staff) groups=50(staff)\n'),
    ],
    dockerfile: `FROM ${B}
USER app
RUN id > /tmp/id-app.txt && touch /tmp/by-app
USER 1000:50
RUN id > /tmp/id-num.txt && touch /tmp/by-num
USER 2000
RUN id > /tmp/id-unknown.txt && touch /tmp/by-unknown
USER root
RUN id > /id-root.txt
USER app:staff
RUN id > /tmp/id-app-staff.txt
USER daemon
`,
    expect: ({ read }) => eq(read('tmp/id-app.txt'), 'uid=1000(app) gid=1000(app) groups=50(staff)\n', 'id of app'),
  },
  {
    name: 'copy-file-forms',
    files: { 'a.txt': 'a\n', 'b.txt': 'b\n' },
    dockerfile: `FROM ${B}
COPY a.txt /renamed.txt
COPY a.txt /new/deep/dir/file.txt
COPY a.txt /dir/
COPY a.txt b.txt /multi/
WORKDIR /wd
COPY a.txt .
COPY a.txt rel/
COPY a.txt rel2
COPY ./b.txt ../up.txt
`,
    mtimes: ['renamed.txt', 'new', 'dir', 'multi', 'wd', 'up.txt'],
  },
  {
    name: 'copy-dir-contents',
    files: { ...srcTree, 'src/hl1': 'linked\n', 'src/hl2': { hardlink: 'src/hl1' } },
    dockerfile: `FROM ${B}
COPY src/ /out/
COPY src /out2
COPY src/nested /nested-contents/
COPY . /whole/
COPY src/nested/ /opt/lower/dir/
`,
    mtimes: ['out', 'out2', 'nested-contents', 'whole', 'opt/lower/dir/deeper', 'opt/lower/dir/two.txt'],
  },
  {
    name: 'copy-wildcards',
    files: {
      'a.txt': 'a\n', 'b.txt': 'b\n', 'c.md': 'c\n', 'x1.log': '1\n', 'x2.log': '2\n', 'xy.log': 'y\n',
      'docs/one.md': 'one\n', 'docs/two.md': 'two\n', 'docs/sub/three.md': 'three\n', 'dir1/f': 'f\n', 'dir2/g': 'g\n', 'dir2/sub/h': 'h\n',
    },
    dockerfile: `FROM ${B}
COPY *.txt /w1/
COPY docs/*.md /w2/
COPY x?.log /w3/
COPY x[0-9].log /w4/
COPY dir* /w5/
COPY *.txt c.md /w6/
COPY docs/*/*.md /w7/
COPY [ab].txt /w8/
`,
    mtimes: ['w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8'],
  },
  {
    name: 'copy-chown',
    current: [
      copyFlags(1, `COPY a.txt /c1.txt ${b}`, `COPY --chown=app:staff a.txt /c1.txt ${b}`),
      copyFlags(2, `COPY src/ /c2/ ${b}`, `COPY --chown=1234:5678 src/ /c2/ ${b}`),
      copyFlags(3, `COPY src /c3 ${b}`, `COPY --chown=app src /c3 ${b}`),
      copyFlags(4, `COPY a.txt /c4.txt ${b}`, `COPY --chown=1000 a.txt /c4.txt ${b}`),
      copyFlags(5, `COPY a.txt /c5.txt ${b}`, `COPY --chown=daemon:1 a.txt /c5.txt ${b}`),
      copyFlags(6, `COPY a.txt /c6.txt ${b}`, `COPY --chown=0:staff a.txt /c6.txt ${b}`),
      copyFlags(7, `ADD a.txt /c7.txt ${b}`, `ADD --chown=app:app a.txt /c7.txt ${b}`),
      copyFlags(8, `COPY src/ /deep/new/parents/ ${b}`, `COPY --chown=app:staff src/ /deep/new/parents/ ${b}`),
      copyFlags(9, `COPY a.txt /c8.txt ${b}`, `COPY --chown=svc a.txt /c8.txt ${b}`),
      copyFlags(11, `COPY a.txt /c9.txt ${b}`, `COPY --chown=1234:1234 a.txt /c9.txt ${b}`),
    ],
    files: srcTree,
    dockerfile: `FROM ${B}
COPY --chown=app:staff a.txt /c1.txt
COPY --chown=1234:5678 src/ /c2/
COPY --chown=app src /c3
COPY --chown=1000 a.txt /c4.txt
COPY --chown=daemon:1 a.txt /c5.txt
COPY --chown=0:staff a.txt /c6.txt
ADD --chown=app:app a.txt /c7.txt
COPY --chown=app:staff src/ /deep/new/parents/
COPY --chown=svc a.txt /c8.txt
ENV OWNER=1234
COPY --chown=$OWNER:\${OWNER} a.txt /c9.txt
`,
  },
  {
    name: 'copy-chmod',
    current: [
      copyFlags(1, `COPY a.txt /m1.txt ${b}`, `COPY --chmod=0640 a.txt /m1.txt ${b}`),
      copyFlags(2, `COPY src/ /m2/ ${b}`, `COPY --chmod=755 src/ /m2/ ${b}`),
      copyFlags(3, `COPY a.txt /m3 ${b}`, `COPY --chmod=4711 a.txt /m3 ${b}`),
      copyFlags(4, `ADD a.txt /m4.txt ${b}`, `ADD --chmod=600 a.txt /m4.txt ${b}`),
      copyFlags(5, `COPY a.txt /m5.txt ${b}`, `COPY --chown=app:staff --chmod=0400 a.txt /m5.txt ${b}`),
      chmodSpecial('fs:m3:mode', '0711', '4711'),
    ],
    files: srcTree,
    dockerfile: `FROM ${B}
COPY --chmod=0640 a.txt /m1.txt
COPY --chmod=755 src/ /m2/
COPY --chmod=4711 a.txt /m3
ADD --chmod=600 a.txt /m4.txt
COPY --chown=app:staff --chmod=0400 a.txt /m5.txt
`,
  },
  {
    name: 'copy-context-symlinks',
    files: {
      'a.txt': 'a\n', 'link.txt': { symlink: 'a.txt' }, 'dirlink': { symlink: 'sub' }, 'sub/f': 'f\n',
      'sub/rel': { symlink: '../a.txt' }, 'sub/abs': { symlink: '/etc/passwd' }, 'sub/dangling': { symlink: 'nowhere' },
    },
    dockerfile: `FROM ${B}
COPY link.txt /s1.txt
COPY dirlink /s2/
COPY sub/ /s3/
COPY . /s4/
COPY sub/rel /s5
`,
    mtimes: ['s1.txt', 's2', 's3', 's4', 's5'],
  },
  {
    name: 'copy-dest-through-symlinks',
    files: srcTree,
    dockerfile: `FROM ${B}
RUN mkdir /real && ln -s /real /lnk && ln -s real /rel-lnk
COPY a.txt /lnk/
COPY a.txt /rel-lnk/b.txt
COPY src/ /lnk/sub/
`,
  },
  {
    name: 'copy-overwrites',
    files: srcTree,
    dockerfile: `FROM ${B}
RUN mkdir -p /t/dir && echo old > /t/file && echo x > /t/dir/x && ln -s /t/file /t/link && chmod 0700 /t/dir
COPY a.txt /t/file
COPY src/ /t/dir/
COPY b.txt /t/link
COPY a.txt /opt/lower/hard-a
`,
  },
  {
    name: 'multi-stage-copy-from',
    current: [copyFlags(5, `COPY /build/out/sub /owned/ ${b}`, `COPY --chown=app:staff /build/out/sub /owned/ ${b}`)],
    dockerfile: `FROM ${B} AS builder
WORKDIR /build
RUN mkdir -p out/sub && echo built > out/artifact && chmod 0750 out/artifact && ln -s artifact out/alias && echo s > out/sub/s && ln out/artifact out/hard && chown 1000:50 out/sub/s
FROM ${B} AS second
RUN echo second > /second.txt
FROM ${B}
COPY --from=builder /build/out/ /app/
COPY --from=0 /build/out/artifact /single
COPY --from=builder /build/out /dirout
COPY --from=second /second.txt /
COPY --from=builder --chown=app:staff /build/out/sub /owned/
COPY --from=${B} /etc/passwd /passwd.copy
`,
  },
  {
    name: 'target-middle-stage',
    target: 'middle',
    dockerfile: `FROM ${B} AS first
ENV STAGE=first
RUN echo first > /first.txt
FROM first AS middle
ENV STAGE=middle
LABEL stage=middle
RUN echo middle > /middle.txt
CMD ["cat", "/middle.txt"]
FROM middle AS last
RUN echo last > /last.txt
FROM ${B} AS broken
RUN exit 1
`,
    expect: ({ read }) => eq(read('middle.txt'), 'middle\n', 'middle.txt'),
  },
  {
    name: 'stage-inherits-config',
    current: [baseStageArgs(6, `RUN /bin/sh -c pwd > /tmp/pwd.txt && id -u > /tmp/uid.txt && echo $FROM_BASE $BASEARG > /tmp/env.txt ${b}`,
      `RUN |1 BASEARG=from-base-stage /bin/sh -c pwd > /tmp/pwd.txt && id -u > /tmp/uid.txt && echo $FROM_BASE $BASEARG > /tmp/env.txt ${b}`)],
    dockerfile: `FROM ${B} AS base
ARG BASEARG=from-base-stage
ENV FROM_BASE=1
WORKDIR /srv
USER app
CMD ["base"]
FROM base
RUN pwd > /tmp/pwd.txt && id -u > /tmp/uid.txt && echo $FROM_BASE $BASEARG > /tmp/env.txt
`,
    expect: ({ read }) => eq(read('tmp/uid.txt'), '1000\n', 'uid'),
  },
  {
    name: 'add-archives',
    files: { 'a.txt': 'a\n' },
    prepare: makeArchives,
    dockerfile: `FROM ${B}
ADD tree.tar /x/
ADD tree.tar.gz /y
ADD tree.tar.bz2 /z/
ADD tree.tar.xz /w/
ADD data.bin /bin-dest/
ADD plain.txt.gz /plain/
ADD a.txt /added.txt
`,
    mtimes: ['x', 'y', 'z', 'w', 'bin-dest', 'plain', 'added.txt'],
  },
  {
    name: 'whiteouts',
    dockerfile: `FROM ${B}
RUN rm /opt/lower/doomed.txt && rm /opt/lower/dir/x
RUN mkdir -p /w/a/b && echo 1 > /w/a/b/f && echo 2 > /w/a/g
RUN rm -rf /w/a/b && rm /w/a/g
RUN rm -rf /w && echo recreated > /w
RUN rm /opt/lower/hard-b
`,
  },
  {
    name: 'opaque-dirs',
    dockerfile: `FROM ${B}
RUN rm -rf /opt/lower/dir && mkdir /opt/lower/dir && echo new > /opt/lower/dir/new
RUN mkdir -p /o/sub && touch /o/sub/a /o/sub/b && chmod 0700 /o/sub
RUN rm -rf /o/sub && mkdir -m 0750 /o/sub && touch /o/sub/c
RUN mv /o /moved && mkdir /o
`,
  },
  {
    name: 'hardlinks-by-run',
    dockerfile: `FROM ${B}
RUN echo shared > /h1 && ln /h1 /h2 && mkdir /hd && ln /h1 /hd/h3
RUN ln /opt/lower/keep.txt /opt/lower/keep-link
RUN echo changed >> /h2
RUN ln /h1 /h4 && rm /hd/h3
`,
  },
  {
    name: 'modes-and-setuid',
    current: [copyFlags(4, `COPY exec.sh /home/app/ ${b}`, `COPY --chown=1000:1000 exec.sh /home/app/ ${b}`)],
    files: { 'suid.sh': { text: '#!/bin/sh\n', mode: 0o4755 }, 'exec.sh': { text: '#!/bin/sh\n', mode: 0o750 }, 'sticky': { dir: true, mode: 0o1777 } },
    dockerfile: `FROM ${B}
RUN touch /suid /sgid /none /exec && chmod 4755 /suid && chmod 2755 /sgid && chmod 0000 /none && chmod 0755 /exec && mkdir /stickydir && chmod 1777 /stickydir && mkdir /sgiddir && chmod 2775 /sgiddir
RUN chmod 0700 /opt/lower && chown 1000:50 /opt/lower/keep.txt && chmod 4711 /opt/lower/keep.txt
COPY suid.sh /ctx-suid.sh
COPY --chown=1000:1000 exec.sh /home/app/
COPY sticky /sticky-copy/
COPY . /all/
`,
  },
  {
    name: 'onbuild-in-parent',
    files: { 'a.txt': 'a\n' },
    parent: {
      tag: 'berth-diff/onbuild-parent:1',
      dockerfile: `FROM ${B}
ONBUILD RUN echo triggered > /onbuild.txt
ONBUILD COPY a.txt /from-onbuild.txt
ONBUILD ENV TRIG=1
ONBUILD LABEL trig=yes
ENV PARENT=1
RUN echo parent > /parent.txt
`,
    },
    dockerfile: `FROM berth-diff/onbuild-parent:1
RUN echo child > /child.txt
ONBUILD RUN echo grandchild
`,
    mtimes: ['from-onbuild.txt'],
    expect: ({ read }) => eq(read('onbuild.txt'), 'triggered\n', 'onbuild.txt'),
  },
  {
    name: 'shell-changes',
    current: [healthcheck(7, `HEALTHCHECK &{["CMD-SHELL" "echo healthy"] "0s" "0s" "0s" '\\x00'}`,
      'HEALTHCHECK {Test:[CMD-SHELL echo healthy] Interval:0s Timeout:0s StartPeriod:0s StartInterval:0s Retries:0}')],
    dockerfile: `FROM ${B}
SHELL ["/bin/sh", "-e", "-c"]
RUN echo "$0" > /shell1.txt
CMD echo cmd
SHELL ["/bin/busybox", "sh", "-c"]
RUN echo "$0" > /shell2.txt
ENTRYPOINT echo ep
HEALTHCHECK CMD echo healthy
`,
    expect: ({ read }) => eq(read('shell2.txt'), 'sh\n', 'shell2.txt'),
  },
  {
    name: 'healthcheck-flags',
    current: [healthcheck(1, `HEALTHCHECK &{["CMD-SHELL" "wget -q -O- localhost || exit 1"] "5s" "3s" "10s" '\\x04'}`,
      'HEALTHCHECK {Test:[CMD-SHELL wget -q -O- localhost || exit 1] Interval:5s Timeout:3s StartPeriod:10s StartInterval:0s Retries:4}')],
    dockerfile: `FROM ${B}
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=4 CMD wget -q -O- localhost || exit 1
`,
  },
  {
    name: 'healthcheck-exec-then-none',
    current: [
      healthcheck('parent:1', `HEALTHCHECK &{["CMD" "/bin/check" "--fast"] "1m30s" "0s" "0s" '\\x00'}`,
        'HEALTHCHECK {Test:[CMD /bin/check --fast] Interval:1m30s Timeout:0s StartPeriod:0s StartInterval:0s Retries:0}'),
      healthcheck(1, `HEALTHCHECK &{["CMD" "/bin/check" "--fast"] "1m30s" "0s" "0s" '\\x00'}`,
        'HEALTHCHECK {Test:[CMD /bin/check --fast] Interval:1m30s Timeout:0s StartPeriod:0s StartInterval:0s Retries:0}'),
      healthcheck(2, `HEALTHCHECK &{["NONE"] "0s" "0s" "0s" '\\x00'}`,
        'HEALTHCHECK {Test:[NONE] Interval:0s Timeout:0s StartPeriod:0s StartInterval:0s Retries:0}'),
    ],
    parent: {
      tag: 'berth-diff/health-parent:1',
      dockerfile: `FROM ${B}
HEALTHCHECK --interval=1m30s CMD ["/bin/check", "--fast"]
`,
    },
    dockerfile: `FROM berth-diff/health-parent:1
HEALTHCHECK NONE
`,
  },
  {
    name: 'expose-ranges',
    current: [
      exposeList(1, 'EXPOSE map[443/tcp:{} 53/udp:{} 7/sctp:{} 80/tcp:{} 8000/tcp:{} 8001/tcp:{} 8002/tcp:{} 9000/udp:{} 9001/udp:{}]',
        'EXPOSE [80/tcp 443/tcp 53/udp 8000/tcp 8001/tcp 8002/tcp 9000/udp 9001/udp 7/sctp]'),
      exposeList(2, 'EXPOSE map[53/udp:{} 80/tcp:{}]', 'EXPOSE [80/tcp 53/udp]'),
    ],
    dockerfile: `FROM ${B}
EXPOSE 80 443/tcp 53/udp 8000-8002 9000-9001/udp 7/sctp
EXPOSE 80/tcp 53/UDP
`,
  },
  {
    name: 'volumes',
    dockerfile: `FROM ${B}
VOLUME /data
VOLUME ["/a", "/b c"]
VOLUME /x /y
RUN mkdir -p /data && echo after > /data/after.txt
`,
  },
  {
    name: 'stopsignal-maintainer',
    dockerfile: `FROM ${B}
MAINTAINER Jane Doe <jane@example.com>
STOPSIGNAL SIGUSR2
STOPSIGNAL 9
`,
  },
  {
    name: 'labels',
    dockerfile: `FROM ${B}
LABEL a=1 b="two words" "c d"=e
LABEL multi="line one \\
line two"
LABEL a=override
LABEL empty=""
LABEL org.opencontainers.image.title="berth \\"quoted\\""
`,
  },
  {
    name: 'entrypoint-keeps-cmd-of-the-stage',
    dockerfile: `FROM ${B}
CMD ["default"]
ENTRYPOINT ["/bin/echo", "ep"]
`,
    expect: ({ config }) => eq(cfgOf(config).Cmd, ['default'], 'Cmd'),
  },
  {
    name: 'entrypoint-resets-inherited-cmd',
    parent: { tag: 'berth-diff/ep-parent:1', dockerfile: `FROM ${B}\nCMD ["from-parent"]\n` },
    dockerfile: `FROM berth-diff/ep-parent:1
ENTRYPOINT ["/bin/echo", "ep"]
`,
    expect: ({ config }) => eq(cfgOf(config).Cmd ?? null, null, 'Cmd'),
  },
  {
    name: 'cmd-exec-and-shell',
    parent: {
      tag: 'berth-diff/cmd-parent:1',
      dockerfile: `FROM ${B}
CMD echo $HOME "quoted arg"
`,
    },
    dockerfile: `FROM berth-diff/cmd-parent:1
ENTRYPOINT /bin/echo shell-ep
CMD ["x", "y"]
`,
  },
  {
    name: 'run-exec-form',
    dockerfile: `FROM ${B}
ENV A=env-a
ARG B=arg-b
RUN ["sh", "-c", "echo $A $B > /exec.txt"]
RUN ["/bin/touch", "/touched"]
`,
    expect: ({ read }) => eq(read('exec.txt'), 'env-a arg-b\n', 'exec.txt'),
  },
  {
    name: 'heredoc-run',
    dockerfile: `FROM ${B}
RUN <<EOF
echo one > /heredoc1.txt
echo two >> /heredoc1.txt
EOF
RUN <<-EOT sh
	echo tabbed > /heredoc2.txt
	EOT
RUN cat <<EOF > /heredoc3.txt
line one
line two
EOF
`,
    dockerDockerfile: `FROM ${B}
RUN echo one > /heredoc1.txt && echo two >> /heredoc1.txt
RUN echo tabbed > /heredoc2.txt
RUN printf 'line one\\nline two\\n' > /heredoc3.txt
`,
    current: [
      heredoc(1, `RUN /bin/sh -c echo one > /heredoc1.txt && echo two >> /heredoc1.txt ${b}`, `RUN /bin/sh -c echo one > /heredoc1.txt\necho two >> /heredoc1.txt\n ${b}`),
      heredoc(2, `RUN /bin/sh -c echo tabbed > /heredoc2.txt ${b}`, `RUN /bin/sh -c <<-EOT sh\n\techo tabbed > /heredoc2.txt\nEOT ${b}`),
      heredoc(3, `RUN /bin/sh -c printf 'line one\\nline two\\n' > /heredoc3.txt ${b}`, `RUN /bin/sh -c cat <<EOF > /heredoc3.txt\nline one\nline two\nEOF ${b}`),
    ],
    expect: ({ read }) => eq([read('heredoc1.txt'), read('heredoc2.txt'), read('heredoc3.txt')], ['one\ntwo\n', 'tabbed\n', 'line one\nline two\n'], 'heredoc files'),
  },
  {
    name: 'dockerignore',
    files: {
      'a.txt': 'a\n', 'keep.log': 'keep\n', 'drop.log': 'drop\n', 'secret/key': 'k\n', 'secret/also': 'also\n',
      'sub/x.tmp': 'x\n', 'sub/deep/y.tmp': 'y\n', 'sub/z.txt': 'z\n', 'node_modules/m/index.js': 'js\n',
      '.dockerignore': '*.log\n!keep.log\nsecret/\n!secret/also\n**/*.tmp\nnode_modules\nDockerfile\n.dockerignore\n',
    },
    dockerfile: `FROM ${B}
COPY . /ctx/
`,
    mtimes: ['ctx'],
  },
  {
    name: 'escape-directive',
    files: { 'a.txt': 'a\n' },
    dockerfile: `# escape=\`
FROM ${B}
ENV P=C:\\path\\to
RUN echo one \`
    two > /escaped.txt
COPY a.txt \`
     /dest/
`,
    expect: ({ read }) => eq(read('escaped.txt'), 'one two\n', 'escaped.txt'),
  },
  {
    name: 'heredoc-shebang-and-copy',
    files: { 'greeting': 'hello world\n', 'run.sh': '#!/bin/sh\necho hi\n' },
    dockerfile: `FROM ${B}
RUN <<EOF
#!/bin/sh
echo shebang > /shebang.txt
EOF
COPY <<EOF /etc/greeting
hello world
EOF
COPY --chmod=0755 <<run.sh /usr/local/bin/
#!/bin/sh
echo hi
run.sh
`,
    dockerDockerfile: `FROM ${B}
RUN echo shebang > /shebang.txt
COPY greeting /etc/greeting
COPY --chmod=0755 run.sh /usr/local/bin/
`,
    current: [
      heredoc(1, `RUN /bin/sh -c echo shebang > /shebang.txt ${b}`, `RUN /bin/sh -c /dev/pipes/EOF ${b}`),
      heredoc(2, `COPY greeting /etc/greeting ${b}`, `COPY <<EOF /etc/greeting ${b}`),
      heredoc(3, `COPY run.sh /usr/local/bin/ ${b}`, `COPY --chmod=0755 <<run.sh /usr/local/bin/ ${b}`),
    ],
    expect: ({ read }) => eq([read('shebang.txt'), read('etc/greeting'), read('usr/local/bin/run.sh')], ['shebang\n', 'hello world\n', '#!/bin/sh\necho hi\n'], 'heredoc files'),
  },
  {
    // docker 20.10 has no --link (frontend 1.4): it builds the same copies without it. Where no
    // symlink is in the destination's parents and no --chown applies to parents --link creates
    // (copy-flags.test.ts checks both), the result is the same filesystem and history.
    name: 'copy-link',
    files: { ...srcTree },
    dockerfile: `FROM ${B}
COPY --link a.txt /linked/a.txt
COPY --link src/ /opt/lower/new/
`,
    dockerDockerfile: `FROM ${B}
COPY a.txt /linked/a.txt
COPY src/ /opt/lower/new/
`,
    mtimes: ['linked', 'opt/lower/new'],
  },
];

// RUN --mount cases of the differential build suite (build-diff.test.ts): cache, secret, bind and
// tmpfs mounts as docker 20.10's built-in Dockerfile frontend (1.2) has them. Each case uses its
// own cache ids (cases run concurrently against one dockerd). env= secrets, ssh, --network and
// --security came after 20.10's frontend: they are tested directly (test/build/mounts.test.ts,
// secrets.test.ts).
import { BASE, type Case } from './build-diff-cases.ts';

const B = BASE;
const eq = (a: unknown, b: unknown, what: string): void => {
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${what}: ${JSON.stringify(a)}, expected ${JSON.stringify(b)}`);
};

export const MOUNT_CASES: Case[] = [
  {
    name: 'run-mount-cache',
    mountStubs: ['a', 'b', 'cache2', 'var', 'var/cache', 'var/cache/diff-one'],
    dockerfile: `FROM ${B}
RUN --mount=type=cache,target=/var/cache/diff-one sh -c 'echo cached > /var/cache/diff-one/f; ls /var/cache/diff-one > /listed'
RUN --mount=type=cache,target=/var/cache/diff-one cat /var/cache/diff-one/f > /again
RUN --mount=type=cache,target=/cache2,uid=1000,gid=50,mode=0750 stat -c '%u %g %a' /cache2 > /cache2-stat
RUN --mount=type=cache,id=diff-shared,target=/a echo from-a > /a/f
RUN --mount=type=cache,id=diff-shared,target=/b,ro cat /b/f > /b-read
RUN --mount=type=cache,target=/opt/lower ls /opt/lower | wc -l > /hidden-count
`,
    expect: ({ read }) => eq([read('listed'), read('again'), read('cache2-stat'), read('b-read'), read('hidden-count').trim()], ['f\n', 'cached\n', '1000 50 750\n', 'from-a\n', '0'], 'cache mount results'),
  },
  {
    name: 'run-mount-secret',
    mountStubs: ['etc/app-key', 'run', 'run/secrets'],
    secrets: { tok: 'the-secret-value\n' },
    dockerfile: `FROM ${B}
RUN --mount=type=secret,id=tok sh -c 'sha256sum /run/secrets/tok | cut -c1-64 > /sum; stat -c "%a %u %g" /run/secrets/tok > /stat'
RUN --mount=type=secret,id=tok,target=/etc/app-key,mode=0440,uid=1000 stat -c '%a %u %g' /etc/app-key > /key-stat
RUN --mount=type=secret,id=absent sh -c 'test -e /run/secrets/absent && echo present || echo absent' > /absent
`,
    expect: ({ read }) => eq([read('stat'), read('key-stat'), read('absent')], ['400 0 0\n', '440 1000 0\n', 'absent\n'], 'secret mounts'),
  },
  {
    name: 'run-mount-bind',
    mountStubs: ['ctx', 'in', 'mnt', 'mnt/data'],
    files: { 'data/a.txt': 'a\n', 'data/b.txt': 'b\n', 'skip.txt': 'skip\n', '.dockerignore': 'skip.txt\n' },
    dockerfile: `FROM ${B} AS stage
RUN mkdir /built && echo built > /built/out
FROM ${B}
RUN --mount=type=bind,source=data,target=/mnt/data cat /mnt/data/a.txt /mnt/data/b.txt > /data-cat
RUN --mount=type=bind,target=/ctx ls -a /ctx | tr '\\n' ' ' > /ctx-ls
RUN --mount=type=bind,target=/ctx,rw sh -c 'echo w > /ctx/new; rm /ctx/data/a.txt; ls /ctx/data > /rw-ls'
RUN --mount=type=bind,target=/ctx ls /ctx/data | tr '\\n' ' ' > /after-rw
RUN --mount=type=bind,from=stage,source=/built,target=/in cat /in/out > /from-stage
RUN --mount=type=bind,from=stage,source=/built/out,target=/opt/lower/keep.txt cat /opt/lower/keep.txt > /over-file
`,
    expect: ({ read }) => eq([read('data-cat'), read('ctx-ls'), read('rw-ls'), read('after-rw'), read('from-stage'), read('over-file')],
      ['a\nb\n', '. .. .dockerignore data ', 'b.txt\n', 'a.txt b.txt ', 'built\n', 'built\n'], 'bind mounts'),
  },
  {
    name: 'run-mount-tmpfs',
    mountStubs: ['scratch'],
    dockerfile: `FROM ${B}
RUN --mount=type=tmpfs,target=/scratch sh -c 'echo x > /scratch/f; grep -c " /scratch tmpfs " /proc/mounts > /tmpfs-count'
RUN --mount=type=tmpfs,target=/opt/lower sh -c 'ls /opt/lower | wc -l > /hidden-count; echo gone > /opt/lower/new'
`,
    expect: ({ read }) => eq([read('tmpfs-count'), read('hidden-count').trim()], ['1\n', '0'], 'tmpfs mounts'),
  },
];

// The build planner through loadDockerfile: stages and their references, the target and the stages it
// needs, every error (positioned, with file and excerpt, several at once), ARG scoping in FROM lines
// and inside stages (StageEnv), platform ARGs, and the UndefinedArgInFrom / UnusedBuildArg warnings.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadDockerfile, platformArgs, StageEnv } from '../../src/plan/index.ts';
import type { BuildPlan, LoadedDockerfile, PlanOptions, Platform } from '../../src/plan/index.ts';
import { BerthErrors, type BerthError } from '../../src/util/errors.ts';

function load(text: string, options: PlanOptions = {}): LoadedDockerfile {
  return loadDockerfile(text, options);
}

function plan(text: string, options: PlanOptions = {}): BuildPlan {
  return load(text, options).plan;
}

/** The errors loadDockerfile throws for `text` (it must throw BerthErrors). */
function errorsOf(text: string, options: PlanOptions = {}): BerthError[] {
  try {
    load(text, options);
  } catch (e) {
    assert.ok(e instanceof BerthErrors, `expected BerthErrors, got ${String(e)}`);
    return [...e.errors];
  }
  assert.fail('expected loadDockerfile to throw');
}

/** The single error for `text`, checked for message part, line, file and excerpt. */
function failsOnce(text: string, want: { message: string; line?: number; code?: string; options?: PlanOptions }): BerthError {
  const errors = errorsOf(text, want.options);
  assert.equal(errors.length, 1, JSON.stringify(errors.map((e) => e.message)));
  const e = errors[0]!;
  assert.ok(e.message.includes(want.message), `message ${JSON.stringify(e.message)} lacks ${JSON.stringify(want.message)}`);
  assert.equal(e.code, want.code ?? 'DOCKERFILE_PLAN');
  assert.equal(e.file, want.options?.file ?? 'Dockerfile');
  if (want.line !== undefined) {
    assert.equal(e.range?.start.line, want.line);
    assert.equal(e.excerpt, text.split('\n')[want.line - 1]);
  }
  return e;
}

const ARM64: Platform = { os: 'linux', architecture: 'arm64', variant: 'v8' };

/** Applies the ARG and ENV steps of a stage to a fresh StageEnv, as the build does. */
function stageEnv(p: BuildPlan, index: number, upTo = Infinity): StageEnv {
  const env = new StageEnv(p.escapeToken, p.globalArgs, p.buildArgs, platformArgs(p.buildPlatform, p.targetPlatform));
  p.stages[index]!.steps.slice(0, upTo).forEach((step) => {
    if (step.kind === 'arg') env.applyArg(step);
    else if (step.kind === 'env') env.applyEnv(step);
  });
  return env;
}

describe('stages', () => {
  it('names, indexes, bases, steps', () => {
    const p = plan('FROM golang:1.22 AS Build\nRUN go build -o /out\n\nFROM scratch\nCOPY --from=build /out /app\nCMD ["/app"]\n');
    assert.equal(p.stages.length, 2);
    const [build, final] = p.stages;
    assert.equal(build!.index, 0);
    assert.equal(build!.name, 'build');
    assert.deepEqual(build!.base, { kind: 'image', ref: 'golang:1.22' });
    assert.equal(build!.baseName, 'golang:1.22');
    assert.deepEqual(build!.steps.map((s) => s.kind), ['run']);
    assert.equal(final!.index, 1);
    assert.equal(final!.name, undefined);
    assert.deepEqual(final!.base, { kind: 'scratch' });
    assert.deepEqual(final!.steps.map((s) => s.kind), ['copy', 'cmd']);
    assert.deepEqual(final!.dependsOn, [0]);
    assert.deepEqual([...final!.sources], [[0, [{ kind: 'stage', index: 0 }]]]);
    assert.equal(p.target, final);
    assert.deepEqual(p.order, [0, 1]);
    assert.equal(p.file, 'Dockerfile');
  });

  it('FROM an earlier stage (any case) is a stage base', () => {
    const p = plan('FROM alpine AS base\nRUN apk add curl\nFROM Base AS dev\nFROM base\n');
    assert.deepEqual(p.stages[1]!.base, { kind: 'stage', index: 0 });
    assert.deepEqual(p.stages[1]!.dependsOn, [0]);
    assert.deepEqual(p.stages[2]!.base, { kind: 'stage', index: 0 });
    assert.deepEqual(p.stages.map((s) => s.from.range.start.line), [1, 3, 4]);
  });

  it('scratch in any case', () => {
    assert.deepEqual(plan('FROM SCRATCH\n').stages[0]!.base, { kind: 'scratch' });
  });

  it('COPY --from by name, index and image', () => {
    const p = plan([
      'FROM alpine AS one',
      'FROM alpine AS two',
      'FROM scratch',
      'COPY --from=one /a /a',
      'COPY --from=1 /b /b',
      'COPY --from=nginx:1.27 /etc/nginx /etc/nginx',
      'COPY --from=ONE /c /c',
      'COPY local /d',
    ].join('\n'));
    const s = p.stages[2]!;
    assert.deepEqual([...s.sources], [
      [0, [{ kind: 'stage', index: 0 }]],
      [1, [{ kind: 'stage', index: 1 }]],
      [2, [{ kind: 'image', ref: 'nginx:1.27' }]],
      [3, [{ kind: 'stage', index: 0 }]],
    ]);
    assert.deepEqual(s.dependsOn, [0, 1]);
    assert.deepEqual(s.sourceImages, ['nginx:1.27']);
  });

  it('RUN --mount from= a stage or an image', () => {
    const p = plan([
      'FROM alpine AS deps',
      'FROM alpine',
      'RUN --mount=type=bind,from=deps,target=/deps --mount=type=cache,from=busybox,target=/c true',
      'RUN --mount=type=cache,target=/cache true',
    ].join('\n'));
    const s = p.stages[1]!;
    assert.deepEqual([...s.sources], [[0, [{ kind: 'stage', index: 0 }, { kind: 'image', ref: 'busybox' }]]]);
    assert.deepEqual(s.dependsOn, [0]);
    assert.deepEqual(s.sourceImages, ['busybox']);
  });
});

describe('target and order', () => {
  const diamond = [
    'FROM alpine AS base', //              0
    'FROM base AS left', //                1
    'FROM base AS right', //               2
    'FROM alpine AS unused', //            3
    'FROM scratch AS final', //            4
    'COPY --from=left / /l',
    'COPY --from=right / /r',
    'FROM final AS after', //              5
  ].join('\n');

  it('the last stage by default, with every stage it needs', () => {
    const p = plan(diamond);
    assert.equal(p.target.index, 5);
    assert.deepEqual(p.order, [0, 1, 2, 4, 5]);
  });

  it('--target selects a stage; the stages it does not need are left out (diamond)', () => {
    const p = plan(diamond, { target: 'final' });
    assert.equal(p.target.name, 'final');
    assert.deepEqual(p.order, [0, 1, 2, 4]);
    assert.deepEqual(p.stages[4]!.dependsOn, [1, 2]);
    assert.deepEqual(plan(diamond, { target: 'left' }).order, [0, 1]);
    assert.deepEqual(plan(diamond, { target: 'unused' }).order, [3]);
    assert.deepEqual(plan(diamond, { target: 'FINAL' }).order, [0, 1, 2, 4]);
  });

  it('order is ascending and lists dependencies first', () => {
    const p = plan([
      'FROM alpine AS a', //    0
      'FROM alpine AS b', //    1
      'COPY --from=a / /',
      'FROM alpine AS c', //    2
      'RUN --mount=from=b,target=/b true',
      'COPY --from=0 / /',
    ].join('\n'));
    assert.deepEqual(p.order, [0, 1, 2]);
    assert.deepEqual(p.stages[2]!.dependsOn, [0, 1]);
  });

  it('an unknown target lists the stage names', () => {
    const e = failsOnce(diamond, { message: 'target stage "nope" could not be found', options: { target: 'nope' } });
    assert.equal(e.hint, 'the stages are named: base, left, right, unused, final, after');
    assert.equal(e.range, undefined);
    const e2 = failsOnce('FROM alpine\nFROM busybox\n', { message: 'target stage "x" could not be found', options: { target: 'x' } });
    assert.ok(e2.hint?.includes('no stage has a name'));
  });

  it('a target cannot be named by index', () => {
    failsOnce('FROM alpine AS a\n', { message: 'target stage "0" could not be found', options: { target: '0' } });
  });
});

describe('stage reference errors', () => {
  it('COPY --from=N with N >= the current stage', () => {
    const text = 'FROM alpine AS a\nFROM alpine AS b\nCOPY --from=1 / /\n';
    const e = failsOnce(text, { message: 'COPY --from=1 refers to the current or a later build stage', line: 3 });
    assert.equal(e.hint, 'a stage can only use stages above it (0 to 0)');
    failsOnce('FROM alpine\nCOPY --from=5 / /\n', { message: 'COPY --from=5 refers to the current or a later build stage', line: 2 });
    failsOnce('FROM alpine\nRUN --mount=from=0,target=/x true\n', { message: 'RUN --mount from=0 refers to the current or a later build stage', line: 2 });
  });

  it('a name referring to a later stage, or to its own', () => {
    failsOnce('FROM alpine AS a\nCOPY --from=b / /\nFROM alpine AS b\n', { message: 'COPY --from=b refers to a later stage (line 3)', line: 2 });
    failsOnce('FROM alpine AS a\nCOPY --from=a / /\n', { message: 'COPY --from=a refers to its own stage', line: 2 });
    failsOnce('FROM alpine AS a\nRUN --mount=from=c,target=/c true\nFROM alpine AS c\n', { message: 'RUN --mount from=c refers to a later stage (line 3)', line: 2 });
    failsOnce('FROM later AS a\nFROM alpine AS later\n', { message: 'FROM later refers to a later stage (line 2)', line: 1 });
  });

  it('duplicate stage names', () => {
    const e = failsOnce('FROM alpine AS build\nFROM debian AS Build\n', { message: 'duplicate stage name "build"', line: 2 });
    assert.equal(e.hint, 'the name is already used by the stage at line 1');
  });

  it('COPY --from with a variable is rejected, as docker does (declared globally, redeclared or not)', () => {
    const want = 'variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround';
    const e = failsOnce('ARG SRC=builder\nFROM alpine AS builder\nFROM alpine\nCOPY --from=$SRC / /\n', { message: want, line: 4 });
    assert.equal(e.message, want);
    failsOnce('ARG SRC=builder\nFROM alpine AS builder\nFROM alpine\nARG SRC\nCOPY --from=${SRC} / /\n', { message: want, line: 5 });
    failsOnce('FROM alpine\nARG SRC=nginx\nCOPY --from=$SRC / /\n', { message: want, line: 3 });
  });

  it('the workaround docker suggests: a global ARG in FROM ... AS alias', () => {
    const p = plan('ARG SRC=nginx:1.27\nFROM ${SRC} AS src\nFROM alpine\nCOPY --from=src /etc/nginx /n\n', { buildArgs: { SRC: 'nginx:1.28' } });
    assert.equal(p.stages[0]!.baseName, 'nginx:1.28');
    assert.deepEqual([...p.stages[1]!.sources], [[0, [{ kind: 'stage', index: 0 }]]]);
  });
});

describe('other plan errors', () => {
  it('an instruction before FROM other than ARG, on its line', () => {
    const text = 'ARG A=1\nENV B=2\nFROM alpine\n';
    const e = failsOnce(text, { message: 'ENV comes before the first FROM: only ARG may come before FROM', line: 2 });
    assert.ok(e.hint?.includes('FROM <image>'));
    failsOnce('RUN echo\nFROM alpine\n', { message: 'RUN comes before the first FROM', line: 1 });
  });

  it('a file with only ARG', () => {
    failsOnce('ARG A=1\nARG B\n', { message: 'the Dockerfile has no FROM instruction', line: 1 });
  });

  it('an empty file, a comments-only file, a directives-only file', () => {
    for (const text of ['', '\n\n', '# just a comment\n\n   # another\n', '# syntax=docker/dockerfile:1\n# escape=`\n']) {
      const e = failsOnce(text, { message: 'the Dockerfile has no instructions', code: 'DOCKERFILE_EMPTY' });
      assert.equal(e.range?.start.line, 1);
    }
  });

  it('an empty image after expansion', () => {
    failsOnce('ARG IMG=\nFROM $IMG\n', { message: 'FROM names an empty image', line: 2 });
  });

  it('an invalid --platform', () => {
    failsOnce('FROM --platform=linux alpine\n', { message: 'FROM --platform: invalid platform "linux"', line: 1 });
  });

  it('an expansion error in a global ARG default is positioned on its line', () => {
    const e = failsOnce('ARG A="${B:?B is required}"\nFROM alpine\n', { message: 'B is required', line: 1, code: 'SHELL_EXPANSION' });
    assert.equal(e.excerpt, 'ARG A="${B:?B is required}"');
  });
});

describe('several errors at once', () => {
  it('two bad lines give two errors, sorted by line, each with file and excerpt', () => {
    const text = 'FROM alpine\nRUNN echo\nCOPY onlyone\nUSER root\n';
    const errors = errorsOf(text, { file: 'build/Dockerfile.dev' });
    assert.deepEqual(errors.map((e) => e.range?.start.line), [2, 3]);
    assert.ok(errors[0]!.message.startsWith('unknown instruction: RUNN'));
    assert.ok(errors[1]!.message.startsWith('COPY requires at least two arguments'));
    for (const e of errors) {
      assert.equal(e.file, 'build/Dockerfile.dev');
      assert.equal(e.excerpt, text.split('\n')[e.range!.start.line - 1]);
    }
  });

  it('syntax and instruction errors together, in line order', () => {
    const errors = errorsOf('FROM alpine\nCOPY --link=maybe a b\nENV A=1 B\nHEALTHCHECK --interval=1 CMD true\n');
    assert.deepEqual(errors.map((e) => [e.range?.start.line, e.code]), [[2, 'DOCKERFILE_FLAG'], [3, 'DOCKERFILE_SYNTAX'], [4, 'DOCKERFILE_FLAG']]);
  });

  it('a line the parser refused gets that one error, not a second from the typed pass', () => {
    for (const kw of ['ENV', 'LABEL']) {
      const errors = errorsOf(`FROM alpine\n${kw} A\nWORKDIR\n`);
      assert.deepEqual(errors.map((e) => [e.range?.start.line, e.code]), [[2, 'DOCKERFILE_SYNTAX'], [3, 'DOCKERFILE_INSTRUCTION']], JSON.stringify(errors.map((e) => e.message)));
      assert.match(errors[0]!.message, new RegExp(`${kw} must have two arguments`));
    }
  });

  it('plan errors together, in line order', () => {
    const text = 'FROM alpine AS a\nCOPY --from=a / /\nFROM alpine AS a\nCOPY --from=9 / /\n';
    const errors = errorsOf(text);
    assert.deepEqual(errors.map((e) => e.range?.start.line), [2, 3, 4]);
    for (const e of errors) {
      assert.equal(e.code, 'DOCKERFILE_PLAN');
      assert.equal(e.file, 'Dockerfile');
      assert.equal(e.excerpt, text.split('\n')[e.range!.start.line - 1]);
    }
  });

  it('the excerpt of a multi-line instruction is all of its lines; a flag error shows the flag\'s line', () => {
    const copy = errorsOf('FROM alpine\nCOPY \\\n  onlyone\n')[0]!;
    assert.deepEqual([copy.range?.start.line, copy.range?.end.line], [2, 3]);
    assert.equal(copy.excerpt, 'COPY \\\n  onlyone');
    const flag = errorsOf('FROM alpine\nCOPY \\\n  --link=maybe \\\n  a b\n')[0]!;
    assert.equal(flag.range?.start.line, 3);
    assert.equal(flag.excerpt, '  --link=maybe \\');
    const dup = errorsOf('FROM alpine AS a\nFROM \\\n  debian \\\n  AS a\n')[0]!;
    assert.equal(dup.excerpt, 'FROM \\\n  debian \\\n  AS a');
  });
});

describe('ARG scoping in FROM lines', () => {
  it('a global ARG used in FROM', () => {
    const p = plan('ARG TAG=1.36\nFROM busybox:${TAG}\n');
    assert.equal(p.stages[0]!.baseName, 'busybox:1.36');
    assert.deepEqual(p.stages[0]!.base, { kind: 'image', ref: 'busybox:1.36' });
    assert.equal(p.globalArgs.get('TAG'), '1.36');
  });

  it('--build-arg overrides the default (object or Map)', () => {
    assert.equal(plan('ARG TAG=1.36\nFROM busybox:$TAG\n', { buildArgs: { TAG: '1.37' } }).stages[0]!.baseName, 'busybox:1.37');
    const p = plan('ARG TAG=1.36\nFROM busybox:$TAG\n', { buildArgs: new Map([['TAG', 'musl']]) });
    assert.equal(p.stages[0]!.baseName, 'busybox:musl');
    assert.equal(p.buildArgs.get('TAG'), 'musl');
    assert.equal(plan('ARG TAG\nFROM busybox:$TAG\n', { buildArgs: { TAG: 'glibc' } }).stages[0]!.baseName, 'busybox:glibc');
  });

  it('global defaults see earlier global ARGs', () => {
    assert.equal(plan('ARG V=3.20\nARG IMG=alpine:$V\nFROM ${IMG}\n').stages[0]!.baseName, 'alpine:3.20');
    assert.equal(plan('ARG V=3.20\nARG IMG=alpine:$V\nFROM ${IMG}\n', { buildArgs: { V: 'edge' } }).stages[0]!.baseName, 'alpine:edge');
  });

  it('an ARG that gets no value keeps the earlier one (as docker)', () => {
    assert.equal(plan('ARG TAG=1\nARG TAG\nFROM img:$TAG\n').stages[0]!.baseName, 'img:1');
    assert.equal(plan('ARG TARGETOS\nFROM img:$TARGETOS\n').stages[0]!.baseName, 'img:linux');
  });

  it('a stage ARG is not visible in later FROM lines', () => {
    const { plan: p, warnings } = load('FROM alpine\nARG TAG=1\nFROM busybox:${TAG:-latest}\n');
    assert.equal(p.stages[1]!.baseName, 'busybox:latest');
    assert.deepEqual(warnings.map((w) => w.message), ["FROM argument 'TAG' is not declared"]);
  });

  it('platform ARGs in FROM lines without declaring them', () => {
    const p = plan('FROM busybox:$TARGETARCH AS t\nFROM img:${TARGETOS}-${TARGETVARIANT}-$TARGETPLATFORM\nFROM img:$BUILDOS-$BUILDARCH\n', { platform: ARM64 });
    assert.equal(p.stages[0]!.baseName, 'busybox:arm64');
    assert.equal(p.stages[1]!.baseName, 'img:linux-v8-linux/arm64/v8');
    assert.equal(p.stages[2]!.baseName, `img:linux-${p.buildPlatform.architecture}`);
    for (const s of p.stages) assert.deepEqual(s.platform, ARM64);
  });

  it('FROM --platform=$BUILDPLATFORM builds on the host platform', () => {
    const p = plan('FROM --platform=$BUILDPLATFORM golang AS build\nFROM --platform=linux/arm/v7 alpine AS arm\nFROM alpine\n', { platform: ARM64 });
    assert.deepEqual(p.stages[0]!.platform, p.buildPlatform);
    assert.deepEqual(p.stages[1]!.platform, { os: 'linux', architecture: 'arm', variant: 'v7' });
    assert.deepEqual(p.stages[2]!.platform, ARM64);
    assert.deepEqual(p.targetPlatform, ARM64);
  });

  it('--build-arg overrides the predefined platform ARGs in FROM lines (as docker)', () => {
    assert.equal(plan('FROM img:$TARGETARCH\n', { buildArgs: { TARGETARCH: 'riscv64' } }).stages[0]!.baseName, 'img:riscv64');
  });

  it('TARGETSTAGE is the target\'s name', () => {
    assert.equal(plan('FROM img:$TARGETSTAGE AS a\nFROM alpine AS b\n', { target: 'a' }).stages[0]!.baseName, 'img:a');
    assert.equal(plan('FROM img:$TARGETSTAGE AS a\nFROM alpine AS b\n').stages[0]!.baseName, 'img:b');
    assert.equal(plan('FROM img:$TARGETSTAGE\n').stages[0]!.baseName, 'img:default');
  });

  it('# escape=` is respected in expansion', () => {
    const p = plan('# escape=`\nARG TAG=1.0\nFROM busybox:`$TAG AS a\nFROM busybox:\\$TAG AS b\nFROM busybox:$TAG\n');
    assert.equal(p.escapeToken, '`');
    assert.equal(p.stages[0]!.baseName, 'busybox:$TAG');
    assert.equal(p.stages[1]!.baseName, 'busybox:\\1.0');
    assert.equal(p.stages[2]!.baseName, 'busybox:1.0');
    assert.equal(plan('ARG TAG=1.0\nFROM busybox:\\$TAG\n').stages[0]!.baseName, 'busybox:$TAG');
  });
});

describe('ARG scoping inside a stage (StageEnv)', () => {
  it('a global ARG is not visible in a stage unless redeclared', () => {
    const p = plan('ARG V=1\nFROM alpine\nENV X=$V\nFROM alpine\nARG V\nENV X=$V\n');
    assert.equal(stageEnv(p, 0).lookup('V'), undefined);
    assert.equal(stageEnv(p, 0).lookup('X'), '');
    assert.equal(stageEnv(p, 1).lookup('V'), '1');
    assert.equal(stageEnv(p, 1).lookup('X'), '1');
  });

  it('a redeclared ARG without default takes the global value, --build-arg included', () => {
    assert.equal(stageEnv(plan('ARG V=1\nFROM alpine\nARG V\n', { buildArgs: { V: '2' } }), 0).lookup('V'), '2');
    assert.equal(stageEnv(plan('ARG V\nFROM alpine\nARG V\n'), 0).lookup('V'), undefined);
  });

  it('a stage default overrides the global value; --build-arg overrides both', () => {
    const text = 'ARG V=global\nFROM alpine\nARG V=stage\n';
    assert.equal(stageEnv(plan(text), 0).lookup('V'), 'stage');
    assert.equal(stageEnv(plan(text, { buildArgs: { V: 'cli' } }), 0).lookup('V'), 'cli');
  });

  it('stage defaults expand earlier ENVs and ARGs', () => {
    const env = stageEnv(plan('FROM alpine\nENV BASE=/opt\nARG DIR=$BASE/app\nARG A=1\nARG B=${A}2 C=${A:+set}\n'), 0);
    assert.equal(env.lookup('DIR'), '/opt/app');
    assert.equal(env.lookup('B'), '12');
    assert.equal(env.lookup('C'), 'set');
    assert.deepEqual([...env.declared], ['DIR', 'A', 'B', 'C']);
  });

  it('ENV overrides ARG (the documented case: ENV after ARG, even with --build-arg)', () => {
    const text = 'FROM ubuntu\nARG CONT_IMG_VER\nENV CONT_IMG_VER=v1.0.0\n';
    assert.equal(stageEnv(plan(text, { buildArgs: { CONT_IMG_VER: 'v2.0.1' } }), 0).lookup('CONT_IMG_VER'), 'v1.0.0');
    const p = plan('FROM ubuntu\nARG V=arg\nENV V=env\nENV W=${V}\n');
    assert.equal(stageEnv(p, 0).lookup('V'), 'env');
    assert.equal(stageEnv(p, 0).lookup('W'), 'env');
    assert.equal(stageEnv(p, 0, 1).lookup('V'), 'arg');
  });

  it('an ARG with a value after an ENV wins (BuildKit); one without a value changes nothing', () => {
    assert.equal(stageEnv(plan('FROM alpine\nENV V=env\nARG V=arg\n'), 0).lookup('V'), 'arg');
    assert.equal(stageEnv(plan('FROM alpine\nENV V=env\nARG V\n'), 0).lookup('V'), 'env');
  });

  it('one ENV expands all its pairs before setting any (docker\'s documented example)', () => {
    const env = stageEnv(plan('FROM alpine\nENV abc=hello\nENV abc=bye def=$abc\nENV ghi=$abc\n'), 0);
    assert.equal(env.lookup('def'), 'hello');
    assert.equal(env.lookup('ghi'), 'bye');
  });

  it('platform ARGs inside a stage only after ARG <name>', () => {
    const p = plan('FROM alpine\nENV BEFORE=$TARGETARCH\nARG TARGETARCH BUILDPLATFORM\nENV AFTER=$TARGETARCH\n', { platform: ARM64 });
    const env = stageEnv(p, 0);
    assert.equal(env.lookup('BEFORE'), '');
    assert.equal(env.lookup('AFTER'), 'arm64');
    assert.equal(env.lookup('BUILDPLATFORM'), [p.buildPlatform.os, p.buildPlatform.architecture, p.buildPlatform.variant].filter(Boolean).join('/'));
  });

  it('a stage may start from an inherited environment', () => {
    const env = new StageEnv('\\', new Map(), new Map(), new Map(), [['PATH', '/usr/bin']]);
    assert.equal(env.expand('$PATH:/x'), '/usr/bin:/x');
    assert.deepEqual([...env.variables()], [['PATH', '/usr/bin']]);
  });

  it('the stage escape token is used', () => {
    const p = plan('# escape=`\nFROM alpine\nARG A=1\nENV B=`$A C=\\$A\n');
    const env = stageEnv(p, 0);
    assert.equal(env.lookup('B'), '$A');
    assert.equal(env.lookup('C'), '\\1');
  });
});

describe('warnings', () => {
  it('UndefinedArgInFrom for an undeclared variable in FROM', () => {
    const { plan: p, warnings } = load('FROM alpine\nFROM busybox:${TAG}\n');
    assert.equal(p.stages[1]!.baseName, 'busybox:');
    assert.deepEqual(warnings, [{ code: 'UndefinedArgInFrom', message: "FROM argument 'TAG' is not declared", range: p.stages[1]!.from.range }]);
    assert.equal(warnings[0]!.range?.start.line, 2);
  });

  it('UndefinedArgInFrom suggests a close global ARG name', () => {
    const { warnings } = load('ARG VERSION=1\nFROM img:${VERSIN:-1}\n');
    assert.deepEqual(warnings.map((w) => w.message), ["FROM argument 'VERSIN' is not declared (did you mean VERSION?)"]);
  });

  it('UndefinedArgInFrom also for --platform', () => {
    const { warnings } = load('FROM --platform=${PLAT:-linux/amd64} alpine\n');
    assert.deepEqual(warnings.map((w) => [w.code, w.message]), [['UndefinedArgInFrom', "FROM argument 'PLAT' is not declared"]]);
  });

  it('no warning for a declared global ARG without a value, nor for platform ARGs', () => {
    const { plan: p, warnings } = load('ARG TAG\nFROM busybox:${TAG:-latest}\nFROM img:$TARGETARCH\n');
    assert.deepEqual(warnings, []);
    assert.equal(p.stages[0]!.baseName, 'busybox:latest');
  });

  it('UnusedBuildArg for a --build-arg nothing declares', () => {
    const { warnings } = load('ARG TAG=1\nFROM busybox:$TAG\nARG USED\n', { buildArgs: { TAG: '2', USED: 'x', UNUSED: 'y', ALSO_UNUSED: '' } });
    assert.deepEqual(warnings, [{ code: 'UnusedBuildArg', message: 'one or more build-args [ALSO_UNUSED UNUSED] were not consumed', range: undefined }]);
  });

  it('proxy ARGs and platform ARGs never warn', () => {
    const buildArgs = {
      HTTP_PROXY: 'http://p:3128', https_proxy: 'http://p:3128', NO_PROXY: 'localhost', all_proxy: 'socks5://p', FTP_PROXY: 'x', TARGETARCH: 'amd64',
    };
    assert.deepEqual(load('FROM alpine\n', { buildArgs }).warnings, []);
  });

  it('an ARG declared in any stage consumes the --build-arg', () => {
    assert.deepEqual(load('FROM alpine AS a\nARG X\nFROM alpine\n', { buildArgs: { X: '1' } }).warnings, []);
  });

  it('parser warnings come through', () => {
    const { warnings } = load('FROM alpine\nRUN echo a \\\n\n  b\n');
    assert.deepEqual(warnings.map((w) => [w.code, w.range?.start.line]), [['empty-continuation', 2]]);
  });
});

// --format's Go-template subset (src/cli/template.ts): fields, json/upper/lower/join, and index over
// lists and maps as docker users write it (`{{index .RootFS.Layers 0}}`, `{{index .Config.Labels "k"}}`).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatObjects, formatRows } from '../../src/cli/output.ts';
import { renderTemplate } from '../../src/cli/template.ts';
import { BerthError } from '../../src/util/errors.ts';

const data = {
  Id: 'sha256:abc',
  RootFS: { Layers: ['sha256:l0', 'sha256:l1'] },
  Config: { Labels: { 'org.example.version': '1.2', maintainer: 'me' }, Env: ['A=1', 'B=2'] },
  Nested: { Grid: [['a', 'b'], ['c', 'd']] },
};

describe('--format templates', () => {
  it('fields, json, upper, lower, join', () => {
    assert.equal(renderTemplate('{{.Id}} {{upper .Config.Labels.maintainer}}', data), 'sha256:abc ME');
    assert.equal(renderTemplate('{{json .RootFS.Layers}}', data), '["sha256:l0","sha256:l1"]');
    assert.equal(renderTemplate('{{join .Config.Env ","}}', data), 'A=1,B=2');
    assert.equal(renderTemplate('{{.Missing}}', data), '<no value>');
  });

  it('index: a list by position, a map by key (dots in keys included), several keys in turn', () => {
    assert.equal(renderTemplate('{{index .RootFS.Layers 1}}', data), 'sha256:l1');
    assert.equal(renderTemplate('{{index .Config.Labels "org.example.version"}}', data), '1.2');
    assert.equal(renderTemplate('{{index .Config.Labels "absent"}}', data), '');
    assert.equal(renderTemplate('{{index .Nested.Grid 1 0}}', data), 'c');
    assert.equal(renderTemplate('{{index .Nested.Grid 0}}', data), '["a","b"]');
    assert.equal(renderTemplate('{{index .RootFS.Layers}}', data), '["sha256:l0","sha256:l1"]', 'no keys: the item itself, as Go');
  });

  it('index errors as Go words them: out of range, a string index into a list, a scalar', () => {
    const fails = (t: string, re: RegExp): void => assert.throws(() => renderTemplate(t, data), (e: unknown) => e instanceof BerthError && re.test(e.message));
    fails('{{index .RootFS.Layers 2}}', /index out of range: 2/);
    fails('{{index .RootFS.Layers "x"}}', /cannot index slice/);
    fails('{{index .Id 0}}', /can't index item of type string/);
    fails('{{index}}', /wrong number of args for index/);
    fails('{{nope .Id}}', /function "nope" not defined/);
  });

  it('an action left open is an error (it was printed as text), even when there are no rows to render', () => {
    const open = (e: unknown): boolean => e instanceof BerthError && e.code === 'INVALID_ARGUMENT' && /^template: :1: unclosed action$/.test(e.message);
    for (const t of ['{{.Id}', '{{ .Id ', '{{.Id}} {{', '{{json .}']) assert.throws(() => renderTemplate(t, data), open, t);
    assert.throws(() => renderTemplate('{{.Id}}\n{{.Config', data), /template: :2: unclosed action/);
    const columns = [{ field: 'ID', header: 'CONTAINER ID', value: (r: string): string => r }];
    assert.throws(() => formatRows(columns, [], '{{json .}'), open);
    assert.throws(() => formatRows(columns, [], 'table {{.ID'), open);
    assert.throws(() => formatRows(columns, [], '{{nope .ID}}'), /function "nope" not defined/);
    assert.throws(() => formatObjects([], '{{.Id'), open);
    assert.equal(formatRows(columns, ['a', 'b'], '{{.ID}} }} {'), 'a }} {\nb }} {\n', 'a stray }} or { is text, as in Go');
  });
});

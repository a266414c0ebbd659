import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isPickleTuple,
  PickleDict,
  readPickle,
  type PickleHooks,
  type PickleValue,
} from '../../../../src-main/engine/teachers/pickle.js';
import { temporaryFolder } from '../../../fixtures/datasets/temp.js';
import { runPythonScript } from '../../../support/python.js';

const refuseEverything: PickleHooks = {
  allowGlobal: () => false,
  reduce: () => {
    throw new Error('reduce must not be reached');
  },
  persistentLoad: () => {
    throw new Error('persistentLoad must not be reached');
  },
};

function bytes(...parts: (string | number[])[]): Uint8Array {
  return Uint8Array.from(
    parts.flatMap((part) => (typeof part === 'string' ? [...part].map((char) => char.charCodeAt(0)) : part)),
  );
}

describe('readPickle', () => {
  it('reads the plain containers of protocol 2: dict, list, tuple, strings, ints, floats, None, booleans', () => {
    // pickle.dumps({'a': [1, 300, -2, 1.5], 'b': ('x', None, True)}, protocol=2), written out by hand.
    const value = readPickle(
      bytes(
        [0x80, 0x02, 0x7d, 0x71, 0x00, 0x28],
        [0x58, 1, 0, 0, 0],
        'a',
        [0x71, 0x01, 0x5d, 0x71, 0x02, 0x28, 0x4b, 0x01, 0x4d, 0x2c, 0x01, 0x4a, 0xfe, 0xff, 0xff, 0xff],
        [0x47, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0x65],
        [0x58, 1, 0, 0, 0],
        'b',
        [0x71, 0x03, 0x58, 1, 0, 0, 0],
        'x',
        [0x71, 0x04, 0x4e, 0x88, 0x87, 0x71, 0x05, 0x75, 0x2e],
      ),
      refuseEverything,
      'plain.pkl',
    );
    expect(value).toBeInstanceOf(PickleDict);
    const dict = value as PickleDict;
    expect(dict.entries.get('a')).toEqual([1, 300, -2, 1.5]);
    const tuple = dict.entries.get('b');
    expect(isPickleTuple(tuple) ? tuple.items : null).toEqual(['x', null, true]);
  });

  it('refuses a global it was not allowed before anything is called', () => {
    // pickle.dumps of a __reduce__ returning (eval, ('1+1',)).
    const evil = bytes(
      [0x80, 0x02],
      'cbuiltins\neval\n',
      [0x71, 0x00, 0x58, 3, 0, 0, 0],
      '1+1',
      [0x85, 0x52, 0x2e],
    );
    expect(() => readPickle(evil, refuseEverything, 'evil.pkl')).toThrow(
      /evil\.pkl: the pickle asks for builtins\.eval, which is not a tensor or a plain container; it is refused/,
    );
  });

  it('refuses opcodes a state_dict never needs, and a pickle cut short', () => {
    // INST (0x69) builds an object of a named class.
    expect(() => readPickle(bytes([0x80, 0x02, 0x69]), refuseEverything, 'inst.pkl')).toThrow(
      /uses opcode 0x69, which a PyTorch state_dict never needs/,
    );
    expect(() =>
      readPickle(bytes([0x80, 0x02, 0x58, 9, 0, 0, 0], 'ab'), refuseEverything, 'cut.pkl'),
    ).toThrow(/cut\.pkl: the pickle ends early/);
  });
});

describe('readPickle on what Python’s pickler writes', () => {
  const folder = temporaryFolder('pickles');
  beforeAll(() => {
    runPythonScript('test/fixtures/python/make-pickles.py', [folder.path]);
  }, 60_000);
  afterAll(() => folder.remove());

  const orderedDictOnly: PickleHooks = {
    ...refuseEverything,
    allowGlobal: (module, name) => module === 'collections' && name === 'OrderedDict',
    reduce: () => new PickleDict(),
  };
  const tupleItems = (value: PickleValue | undefined) => (isPickleTuple(value) ? value.items : value);

  it.each([2, 3, 4, 5])('reads every plain value of protocol %i', (protocol) => {
    const file = `protocol-${protocol}.pkl`;
    const value = readPickle(new Uint8Array(readFileSync(join(folder.path, file))), orderedDictOnly, file);
    expect(value).toBeInstanceOf(PickleDict);
    const entries = (value as PickleDict).entries;
    expect(entries.get('integers')).toEqual([
      0,
      255,
      256,
      65535,
      65536,
      -1,
      2147483647,
      -2147483648,
      1099511627776,
      -1099511627776,
      1180591620717411303424n,
    ]);
    expect(entries.get('floats')).toEqual([1.5, -0.25]);
    expect(entries.get('strings')).toEqual(['', 'plain', 'unicodé ✓', 'x'.repeat(300)]);
    expect((entries.get('tuples') as PickleValue[]).map(tupleItems)).toEqual([
      [],
      [1],
      [1, 2],
      [1, 2, 3],
      [1, 2, 3, 4],
    ]);
    expect(entries.get('constants')).toEqual([null, true, false]);
    const [first, second] = entries.get('shared') as PickleValue[];
    expect(first).toEqual(['same']);
    expect(second).toBe(first);
    expect([...(entries.get('numbered') as PickleDict).entries]).toEqual([
      [1, 'one'],
      [2, 'two'],
    ]);
    const ordered = entries.get('ordered') as PickleDict;
    expect(ordered).toBeInstanceOf(PickleDict);
    expect([...(ordered.entries.get('a') as PickleDict).entries]).toEqual([['b', []]]);
    expect(entries.get('bytes')).toEqual(protocol >= 3 ? Uint8Array.from([0, 255, 97, 98]) : undefined);
    expect(entries.get('set')).toEqual(protocol >= 4 ? [7] : undefined);
    expect(entries.get('frozenset')).toEqual(protocol >= 4 ? [8] : undefined);
    expect(entries.get('bytearray')).toEqual(protocol >= 5 ? Uint8Array.from([99, 100]) : undefined);
  });
});

import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkpointHeaderFile,
  readCheckpoint,
  writeCheckpoint,
} from '../../../../src-main/engine/train/checkpoint.js';

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'rtk-checkpoint-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const groups = {
  student: [
    { name: 'conv/kernel', shape: [2, 2], values: Float32Array.from([1, 2, 3, 4]) },
    { name: 'bn/moving_mean', shape: [3], values: Float32Array.from([0.5, -0.5, 0.25]) },
  ],
  optimizer: [{ name: 'momentum-0', shape: [1], values: Float32Array.from([7]) }],
};

describe('checkpoints', () => {
  it('read back exactly what was written: state and every tensor', async () => {
    await writeCheckpoint(directory, 'epoch-0001', { state: { epoch: 1, history: [{ top1: 0.5 }] }, groups });
    const checkpoint = await readCheckpoint<{ epoch: number }>(directory);
    expect(checkpoint?.state).toEqual({ epoch: 1, history: [{ top1: 0.5 }] });
    expect(
      checkpoint?.groups['student']?.map((tensor) => [tensor.name, tensor.shape, Array.from(tensor.values)]),
    ).toEqual([
      ['conv/kernel', [2, 2], [1, 2, 3, 4]],
      ['bn/moving_mean', [3], [0.5, -0.5, 0.25]],
    ]);
    expect(Array.from(checkpoint?.groups['optimizer']?.[0]?.values ?? [])).toEqual([7]);
  });

  it('is null for a directory without a checkpoint', async () => {
    expect(await readCheckpoint(directory)).toBeNull();
  });

  it('keeps only the newest binary file and leaves no temporary files', async () => {
    await writeCheckpoint(directory, 'epoch-0001', { state: { epoch: 1 }, groups });
    await writeCheckpoint(directory, 'epoch-0002', { state: { epoch: 2 }, groups });
    expect((await readdir(directory)).sort()).toEqual([checkpointHeaderFile, 'epoch-0002.bin']);
    expect((await readCheckpoint<{ epoch: number }>(directory))?.state.epoch).toBe(2);
  });

  it('refuses damaged data with a message naming the file', async () => {
    await writeCheckpoint(directory, 'epoch-0001', { state: {}, groups });
    const binary = join(directory, 'epoch-0001.bin');
    const bytes = await readFile(binary);
    bytes[3] = (bytes[3] ?? 0) ^ 0xff;
    await writeFile(binary, bytes);
    await expect(readCheckpoint(directory)).rejects.toThrow(/epoch-0001\.bin does not match the checksum/);
    await writeFile(join(directory, checkpointHeaderFile), '{"format":"something else"}');
    await expect(readCheckpoint(directory)).rejects.toThrow(/not an RTK Workbench checkpoint/);
  });
});

import { createHash } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Header file of a checkpoint directory; it names the binary file holding the tensors. */
export const checkpointHeaderFile = 'checkpoint.json';
const formatName = 'rtk-workbench-checkpoint';
const formatVersion = 1;

/** One stored tensor: float32 values of the given shape. */
export interface CheckpointTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/** What a checkpoint holds: a JSON-serialisable state plus named groups of float32 tensors. */
export interface Checkpoint<State> {
  readonly state: State;
  readonly groups: Readonly<Record<string, readonly CheckpointTensor[]>>;
}

interface TensorEntry {
  readonly group: string;
  readonly name: string;
  readonly shape: readonly number[];
  /** Offset in bytes in the binary file. */
  readonly offset: number;
}

interface Header<State> {
  readonly format: string;
  readonly version: number;
  readonly binaryFile: string;
  readonly binaryBytes: number;
  readonly sha256: string;
  readonly tensors: readonly TensorEntry[];
  readonly state: State;
}

async function writeDurably(path: string, data: Uint8Array): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes a checkpoint atomically: first a new binary file (temp name, fsync, rename), then the JSON header
 * that names it (same way). The header's rename is the commit point, so a crash at any moment leaves
 * either the previous checkpoint or the new one, never a mix. Older binary files are removed afterwards.
 */
export async function writeCheckpoint<State>(
  directory: string,
  label: string,
  checkpoint: Checkpoint<State>,
): Promise<void> {
  const entries: TensorEntry[] = [];
  let bytes = 0;
  for (const [group, tensors] of Object.entries(checkpoint.groups)) {
    for (const tensor of tensors) {
      const expected = tensor.shape.reduce((product, dimension) => product * dimension, 1);
      if (expected !== tensor.values.length) {
        throw new Error(
          `Checkpoint tensor ${group}/${tensor.name} has ${tensor.values.length} values, shape needs ${expected}.`,
        );
      }
      entries.push({ group, name: tensor.name, shape: [...tensor.shape], offset: bytes });
      bytes += tensor.values.byteLength;
    }
  }
  const binary = new Uint8Array(bytes);
  let cursor = 0;
  for (const tensors of Object.values(checkpoint.groups)) {
    for (const tensor of tensors) {
      binary.set(
        new Uint8Array(tensor.values.buffer, tensor.values.byteOffset, tensor.values.byteLength),
        cursor,
      );
      cursor += tensor.values.byteLength;
    }
  }
  const binaryFile = `${label}.bin`;
  await mkdir(directory, { recursive: true });
  await writeDurably(join(directory, binaryFile), binary);
  const header: Header<State> = {
    format: formatName,
    version: formatVersion,
    binaryFile,
    binaryBytes: bytes,
    sha256: createHash('sha256').update(binary).digest('hex'),
    tensors: entries,
    state: checkpoint.state,
  };
  await writeDurably(join(directory, checkpointHeaderFile), new TextEncoder().encode(JSON.stringify(header)));
  await syncDirectory(directory);
  for (const name of await readdir(directory)) {
    if (name.endsWith('.bin') && name !== binaryFile) await rm(join(directory, name), { force: true });
  }
}

function isHeader(value: unknown): value is Header<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    record['format'] === formatName &&
    typeof record['binaryFile'] === 'string' &&
    typeof record['binaryBytes'] === 'number' &&
    typeof record['sha256'] === 'string' &&
    Array.isArray(record['tensors'])
  );
}

/** Reads the checkpoint of a directory, or null when it has none; throws a readable Error if it is damaged. */
export async function readCheckpoint<State>(directory: string): Promise<Checkpoint<State> | null> {
  const headerPath = join(directory, checkpointHeaderFile);
  let text: string;
  try {
    text = await readFile(headerPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`Checkpoint header ${headerPath} is not valid JSON.`);
  }
  if (!isHeader(parsed)) {
    throw new Error(`${headerPath} is not an RTK Workbench checkpoint header (format ${formatName}).`);
  }
  if (parsed.version !== formatVersion) {
    throw new Error(
      `Checkpoint ${headerPath} has format version ${parsed.version}; this build reads ${formatVersion}.`,
    );
  }
  const binaryPath = join(directory, parsed.binaryFile);
  const binary = new Uint8Array(await readFile(binaryPath));
  if (binary.byteLength !== parsed.binaryBytes) {
    throw new Error(
      `Checkpoint data ${binaryPath} has ${binary.byteLength} bytes; the header expects ${parsed.binaryBytes}.`,
    );
  }
  if (createHash('sha256').update(binary).digest('hex') !== parsed.sha256) {
    throw new Error(
      `Checkpoint data ${binaryPath} does not match the checksum in its header: it is damaged.`,
    );
  }
  const groups: Record<string, CheckpointTensor[]> = {};
  for (const entry of parsed.tensors) {
    const length = entry.shape.reduce((product, dimension) => product * dimension, 1);
    const values = new Float32Array(binary.buffer.slice(entry.offset, entry.offset + length * 4));
    (groups[entry.group] ??= []).push({ name: entry.name, shape: entry.shape, values });
  }
  return { state: parsed.state as State, groups };
}

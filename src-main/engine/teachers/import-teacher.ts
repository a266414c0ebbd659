import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type {
  TeacherContractRequest,
  TeacherFormat,
  TeacherInputContract,
  TeacherRecord,
  TeacherTap,
} from '../../../src-shared/contracts/teacher-types.js';
import { loadCachedSplit, readManifest } from '../data/cache.js';
import type { DatasetManifest } from '../data/cache.js';
import { writeDirectoryAtomically, writeFileDurably } from '../files/atomic-directory.js';
import { writeLayersModel } from '../export/layers-model-files.js';
import { onnxInputName, onnxLogitsName, writeOnnxModel } from '../export/onnx-writer.js';
import { buildBackbone } from '../models/index.js';
import type { Backbone } from '../models/types.js';
import { ImportedOnnxTeacher, type StoredTeacherGraph } from './imported-onnx-teacher.js';
import { resolveInputContract, TeacherInputPreparer } from './input-contract.js';
import { checkMemoryFor, TeacherFileError } from './named-tensors.js';
import { analyseOnnxTeacher, type TeacherGraphFacts } from './onnx-teacher-graph.js';
import { readPytorchCheckpoint } from './pytorch-checkpoint.js';
import { readSafetensors } from './safetensors.js';
import { extractStateDict, inferArchitecture, loadStateDict } from './state-dict-mapping.js';
import { accuracyWarnings, measureTeacherAccuracy, type TeacherAccuracy } from './teacher-accuracy.js';
import {
  storedTeacherFile,
  teacherModelFolder,
  teacherOnnxFile,
  type StoredTeacherFile,
} from './teacher-folder.js';

/** What an import is given. */
export interface ImportTeacherOptions {
  readonly id: string;
  /** The teacher file (ONNX, PyTorch checkpoint or safetensors). */
  readonly source: string;
  /** The teacher's folder to create (`<home>/teachers/<id>`); written whole or not at all. */
  readonly target: string;
  readonly datasetId: string;
  readonly datasetDirectory: string;
  readonly name?: string | undefined;
  readonly contract: TeacherContractRequest;
  /** A text file with one class name per line, in the teacher's output order. */
  readonly labelsPath?: string | undefined;
  /** For checkpoints: the catalog backbone the state_dict must be (inferred from the keys when left out). */
  readonly architecture?: string | undefined;
  /** ONNX Runtime threads, as the teacher runner uses. */
  readonly threads: number;
  /** Free memory to check the file against; the machine's when left out. */
  readonly availableMemory?: number;
}

/** Progress of an import: its phase and, while measuring, images done of the test split. */
export interface TeacherImportProgress {
  readonly phase: 'reading' | 'measuring' | 'writing';
  readonly done: number;
  readonly total: number;
}

async function detectFormat(file: string): Promise<TeacherFormat> {
  let size: number;
  try {
    const facts = await stat(file);
    if (!facts.isFile()) throw new TeacherFileError(`${file} is not a file; pick the teacher's model file.`);
    size = facts.size;
  } catch (error) {
    if (error instanceof TeacherFileError) throw error;
    throw new TeacherFileError(
      `${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const handle = await open(file, 'r');
  const head = Buffer.alloc(16);
  try {
    await handle.read(head, 0, 16, 0);
  } finally {
    await handle.close();
  }
  if (head.readUInt32LE(0) === 0x04034b50) return 'pytorch';
  if (size >= 10 && head[8] === 0x7b && head.readBigUInt64LE(0) <= BigInt(size - 8)) return 'safetensors';
  if (head[0] === 0x80 && (head[1] ?? 0) <= 5) {
    throw new TeacherFileError(
      `${file} is a PyTorch checkpoint in the legacy format (torch older than 1.6, or ` +
        '_use_new_zipfile_serialization=False); save it again with a current torch.save.',
    );
  }
  // An ONNX ModelProto starts with a varint field (ir_version, field 1) or another small field tag.
  if (size > 16 && (head[0] === 0x08 || head[0] === 0x12 || head[0] === 0x1a || head[0] === 0x3a))
    return 'onnx';
  const extension = extname(file).toLowerCase();
  throw new TeacherFileError(
    `${file} is not an ONNX model, a PyTorch checkpoint (zip) or a safetensors file: it starts with the bytes ` +
      `${[...head.subarray(0, 8)].map((value) => value.toString(16).padStart(2, '0')).join(' ')}` +
      `${size < 16 ? ` and holds only ${size} bytes` : ''}${extension === '' ? '' : ` (its extension is ${extension})`}.`,
  );
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function normaliseName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ');
}

/**
 * Which teacher output scores each dataset class: by index, or by name when a labels file or the model's
 * metadata names the teacher's classes. A labels file that does not name the dataset's classes is refused;
 * names in the model's metadata that do not match are ignored with a note.
 */
async function matchClasses(
  teacherClasses: number,
  manifest: DatasetManifest,
  modelNames: readonly string[] | null,
  labelsPath: string | undefined,
  source: string,
  notes: string[],
): Promise<{ order: number[]; matching: 'index' | 'names' }> {
  const datasetNames = manifest.classNames;
  if (teacherClasses !== datasetNames.length) {
    throw new TeacherFileError(
      `${source} predicts ${teacherClasses} classes but the dataset has ${datasetNames.length}; a teacher must ` +
        "score exactly the dataset's classes.",
    );
  }
  const byIndex = { order: datasetNames.map((_, index) => index), matching: 'index' as const };
  let names: readonly string[] | null = null;
  let from = '';
  if (labelsPath !== undefined) {
    const text = await readFile(labelsPath, 'utf8').catch((error: unknown) => {
      throw new TeacherFileError(
        `The labels file ${labelsPath} cannot be read: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
    names = text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '');
    if (names.length !== teacherClasses) {
      throw new TeacherFileError(
        `The labels file ${labelsPath} names ${names.length} classes but the teacher predicts ${teacherClasses}; ` +
          "give one name per line, in the order of the teacher's outputs.",
      );
    }
    from = `the labels file ${labelsPath}`;
  } else if (modelNames !== null) {
    names = modelNames;
    from = "the model's metadata";
  }
  if (names === null) return byIndex;
  const wanted = new Map(names.map((name, index) => [normaliseName(name), index]));
  const order = datasetNames.map((name) => wanted.get(normaliseName(name)) ?? -1);
  const unmatched = datasetNames.filter((_, index) => (order[index] ?? -1) < 0);
  if (unmatched.length > 0 || new Set(order).size !== order.length) {
    const message =
      `The class names in ${from} (${names.slice(0, 6).join(', ')}${names.length > 6 ? ', …' : ''}) do not name ` +
      `the dataset's classes (${unmatched.slice(0, 6).join(', ') || 'some twice'} not found)`;
    if (labelsPath !== undefined) throw new TeacherFileError(`${message}.`);
    notes.push(`${message}; the classes are matched by index.`);
    return byIndex;
  }
  notes.push(`The classes are matched by the names in ${from}.`);
  return { order, matching: 'names' };
}

/** The checkpoint's state_dict loaded into a catalog backbone built for the dataset's images. */
async function loadCheckpointTeacher(
  options: ImportTeacherOptions,
  format: 'pytorch' | 'safetensors',
  manifest: DatasetManifest,
): Promise<Backbone> {
  const file = options.source;
  const tensors =
    format === 'pytorch'
      ? extractStateDict(await readPytorchCheckpoint(file, options.availableMemory), file)
      : extractStateDict(await readSafetensors(file, options.availableMemory), file);
  const inferred = inferArchitecture(tensors, file);
  if (options.architecture !== undefined && options.architecture.trim().toLowerCase() !== inferred.backbone) {
    throw new TeacherFileError(
      `${file} was expected to be a ${options.architecture}, but its keys and shapes are those of a ${inferred.backbone}.`,
    );
  }
  const [height, width, datasetChannels] = manifest.shape;
  if (inferred.classes !== manifest.classNames.length) {
    throw new TeacherFileError(
      `${file} predicts ${inferred.classes} classes ('${inferred.classifierKey}' has ${inferred.classes} rows) but the dataset has ` +
        `${manifest.classNames.length}; a teacher must score exactly the dataset's classes.`,
    );
  }
  if (
    inferred.inputChannels !== datasetChannels &&
    !(datasetChannels === 1 && inferred.inputChannels === 3)
  ) {
    throw new TeacherFileError(
      `${file} takes ${inferred.inputChannels}-channel images ('${inferred.stemKey}' is [${tensors.get(inferred.stemKey)?.shape.join(', ')}]) ` +
        `but the dataset's images have ${datasetChannels} channel${datasetChannels === 1 ? '' : 's'}.`,
    );
  }
  const backbone = buildBackbone(inferred.backbone, {
    inputShape: [height, width, inferred.inputChannels],
    classes: inferred.classes,
    seed: 0,
  });
  try {
    loadStateDict(backbone, tensors, file);
  } catch (error) {
    backbone.model.dispose();
    throw error;
  }
  return backbone;
}

type ImportHooks = { onProgress?: (progress: TeacherImportProgress) => void; signal?: AbortSignal };

/** The teacher as read: its runnable graph, with the ONNX facts or the catalog backbone it came from. */
interface ReadTeacher {
  readonly graph: StoredTeacherGraph;
  readonly facts: TeacherGraphFacts | null;
  readonly backbone: Backbone | null;
  /** Notes for the user, in the order the import finds them. */
  readonly notes: string[];
}

/** An ONNX teacher, checked against the dataset's images and probed for its taps. */
async function readOnnxTeacher(
  options: ImportTeacherOptions,
  manifest: DatasetManifest,
): Promise<ReadTeacher> {
  const file = options.source;
  const [height, width] = manifest.shape;
  const size = (await stat(file)).size;
  checkMemoryFor(file, size, 4, options.availableMemory);
  const analysed = await analyseOnnxTeacher(await readFile(file), file, manifest.shape, options.threads);
  const facts = analysed.facts;
  const graph: StoredTeacherGraph = {
    name: options.name ?? basename(file),
    bytes: analysed.bytes,
    inputName: facts.inputName,
    logitsName: facts.logitsName,
    layout: facts.layout,
    height,
    width,
    fixedBatch: facts.fixedBatch,
    classes: facts.classes,
    classOrder: [],
    taps: [],
  };
  return { graph, facts, backbone: null, notes: [...facts.notes] };
}

/** A checkpoint loaded into its catalog backbone, run through ONNX Runtime as the backbone's own graph. */
async function readCheckpointTeacher(
  options: ImportTeacherOptions,
  format: 'pytorch' | 'safetensors',
  manifest: DatasetManifest,
): Promise<ReadTeacher> {
  const [height, width] = manifest.shape;
  const backbone = await loadCheckpointTeacher(options, format, manifest);
  const notes = [`Loaded into the catalog's ${backbone.name}; its feature taps are the catalog's.`];
  const graph: StoredTeacherGraph = {
    name: options.name ?? basename(options.source),
    bytes: writeOnnxModel(backbone.model, {
      layout: 'NHWC',
      probabilities: false,
      metadata: {},
      producerVersion: 'teacher',
    }).bytes,
    inputName: onnxInputName,
    logitsName: onnxLogitsName,
    layout: 'NHWC',
    height,
    width,
    fixedBatch: null,
    classes: backbone.classes,
    classOrder: [],
    taps: [],
  };
  return { graph, facts: null, backbone, notes };
}

/** How the teacher meets the dataset: its class order, its input contract and the channels it takes. */
interface TeacherFit {
  readonly graph: StoredTeacherGraph;
  readonly order: number[];
  readonly matching: 'index' | 'names';
  readonly contract: TeacherInputContract;
  readonly teacherChannels: number;
}

async function fitTeacherToDataset(
  options: ImportTeacherOptions,
  manifest: DatasetManifest,
  teacher: ReadTeacher,
): Promise<TeacherFit> {
  const datasetChannels = manifest.shape[2];
  const teacherChannels = teacher.facts?.channels ?? teacher.backbone?.inputShape[2] ?? datasetChannels;
  const { order, matching } = await matchClasses(
    teacher.graph.classes,
    manifest,
    teacher.facts?.classNames ?? null,
    options.labelsPath,
    options.source,
    teacher.notes,
  );
  const contract = resolveInputContract(options.contract, teacherChannels, manifest.statistics);
  if (teacherChannels === 3 && datasetChannels === 1) {
    teacher.notes.push("The dataset's grey images are given to the teacher as three equal colour channels.");
  }
  return { graph: { ...teacher.graph, classOrder: order }, order, matching, contract, teacherChannels };
}

/** The teacher's accuracy on the dataset's whole test split, through the same runner distillation uses. */
async function measureOnTestSplit(
  options: ImportTeacherOptions,
  manifest: DatasetManifest,
  fit: TeacherFit,
  hooks: ImportHooks,
): Promise<TeacherAccuracy> {
  const preparer = new TeacherInputPreparer(
    manifest.shape,
    manifest.statistics,
    fit.contract,
    fit.graph.layout,
    fit.teacherChannels,
  );
  const test = loadCachedSplit(options.datasetDirectory, 'test');
  const runner = await ImportedOnnxTeacher.create(fit.graph, preparer, 'logits', options.threads);
  try {
    return await measureTeacherAccuracy(
      (images, batch) => runner.logits(images, batch),
      test,
      manifest.statistics,
      manifest.classNames.length,
      {
        onProgress: (done, total) => hooks.onProgress?.({ phase: 'measuring', done, total }),
        ...(hooks.signal === undefined ? {} : { signal: hooks.signal }),
      },
    );
  } finally {
    await runner.dispose();
  }
}

/** The taps the record lists: the graph's own, or the catalog backbone's (read in NHWC by name). */
function recordTaps(teacher: ReadTeacher): TeacherTap[] {
  return teacher.facts !== null
    ? teacher.facts.taps.map((tap) => ({ ...tap, shape: [...tap.shape] as [number, number, number] }))
    : (teacher.backbone?.taps ?? []).map((tap) => ({
        index: tap.index,
        name: tap.name,
        tensor: null,
        layout: 'NHWC' as const,
        shape: [...tap.shape] as [number, number, number],
        stage: tap.stage,
      }));
}

async function teacherRecord(
  options: ImportTeacherOptions,
  format: TeacherFormat,
  manifest: DatasetManifest,
  teacher: ReadTeacher,
  fit: TeacherFit,
  accuracy: TeacherAccuracy,
): Promise<TeacherRecord> {
  const file = options.source;
  const [height, width] = manifest.shape;
  const { graph, teacherChannels } = fit;
  const percent = (value: number): number => Math.round(value * 1e6) / 1e4;
  return {
    id: options.id,
    name: options.name ?? basename(file),
    format,
    sourcePath: file,
    fingerprint: await sha256(file),
    datasetId: options.datasetId,
    backbone: teacher.backbone?.name ?? null,
    classes: manifest.classNames.length,
    classNames: [...manifest.classNames],
    classMatching: fit.matching,
    classOrder: fit.order,
    inputShape: graph.layout === 'NCHW' ? [teacherChannels, height, width] : [height, width, teacherChannels],
    layout: graph.layout,
    batchSize: graph.fixedBatch,
    opset: teacher.facts?.opset ?? null,
    contract: fit.contract,
    taps: recordTaps(teacher),
    testTop1: percent(accuracy.top1),
    testTop5: percent(accuracy.top5),
    perClassTop1: accuracy.perClass.map(percent),
    testImages: accuracy.images,
    warnings: accuracyWarnings(accuracy.top1, manifest.classNames.length),
    notes: teacher.notes,
    measureSeconds: Math.round(accuracy.seconds * 1000) / 1000,
    createdAt: new Date().toISOString(),
  };
}

/** The teacher's folder, written whole or not at all: the record, and the ONNX graph or the backbone. */
async function writeTeacherFolder(
  options: ImportTeacherOptions,
  record: TeacherRecord,
  teacher: ReadTeacher,
): Promise<void> {
  const { facts, backbone } = teacher;
  const stored: StoredTeacherFile = {
    record,
    onnx:
      facts === null
        ? null
        : { file: teacherOnnxFile, inputName: facts.inputName, logitsName: facts.logitsName },
  };
  await writeDirectoryAtomically(options.target, async (directory) => {
    if (facts !== null) await writeFileDurably(join(directory, teacherOnnxFile), teacher.graph.bytes);
    if (backbone !== null) {
      await writeLayersModel(backbone.model, join(directory, teacherModelFolder), {
        precision: 'float32',
        replace: false,
        userDefinedMetadata: { rtkWorkbench: { backbone: backbone.name, teacherId: options.id } },
      });
    }
    await writeFileDurably(join(directory, storedTeacherFile), `${JSON.stringify(stored, null, 2)}\n`);
  });
}

/**
 * Imports a teacher file for a dataset: reads and checks it (no code of the file ever runs), resolves its
 * input contract, matches its classes, finds its taps, measures it on the dataset's whole test split, and
 * writes its folder (`teacher.json` with the record, plus `teacher.onnx` or the converted backbone in
 * `model/`) in one step. On any failure nothing is left behind.
 */
export async function importTeacher(
  options: ImportTeacherOptions,
  hooks: ImportHooks = {},
): Promise<TeacherRecord> {
  hooks.onProgress?.({ phase: 'reading', done: 0, total: 1 });
  const format = await detectFormat(options.source);
  const manifest = readManifest(options.datasetDirectory);
  const teacher =
    format === 'onnx'
      ? await readOnnxTeacher(options, manifest)
      : await readCheckpointTeacher(options, format, manifest);
  try {
    const fit = await fitTeacherToDataset(options, manifest, teacher);
    const accuracy = await measureOnTestSplit(options, manifest, fit, hooks);
    const record = await teacherRecord(options, format, manifest, teacher, fit, accuracy);
    hooks.onProgress?.({ phase: 'writing', done: 0, total: 1 });
    await writeTeacherFolder(options, record, teacher);
    return record;
  } finally {
    teacher.backbone?.model.dispose();
  }
}

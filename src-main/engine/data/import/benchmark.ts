import { randomFillSync } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { importDataset } from './import-dataset.js';

/** Wall-clock and CPU seconds (all threads of this process) of one import. */
export interface ImportTiming {
  readonly seconds: number;
  readonly cpuSeconds: number;
}

/**
 * Figures of the data benchmark (`npm run bench:data`). CPU seconds are reported beside wall-clock
 * seconds because on a busy machine the wall clock measures the other load as much as the import.
 */
export interface DataBenchmarkFigures {
  /** Import of the real Fashion-MNIST IDX files; null when they are not installed. */
  readonly fashionMnist: ImportTiming | null;
  /** Import of a generated CIFAR-10 binary folder of 50,000 + 10,000 records. */
  readonly cifar10: ImportTiming;
  /** Import of an image folder of generated 32x32 PNGs. */
  readonly pngFolder: ImportTiming & { readonly count: number; readonly perSecond: number };
}

/** Where the benchmark reads and writes. */
export interface DataBenchmarkOptions {
  /** Defaults to Debian's dataset-fashion-mnist location. */
  readonly fashionMnistFolder?: string | undefined;
  /** How many PNGs the image-folder figure decodes (default 3,000). */
  readonly pngCount?: number | undefined;
  readonly log?: ((line: string) => void) | undefined;
}

const defaultFashionMnist = '/usr/share/datasets/fashion-mnist';

async function writeCifar10(folder: string): Promise<void> {
  await fs.mkdir(folder, { recursive: true });
  const recordBytes = 3073;
  const batch = Buffer.alloc(10_000 * recordBytes);
  for (const name of [
    'data_batch_1',
    'data_batch_2',
    'data_batch_3',
    'data_batch_4',
    'data_batch_5',
    'test_batch',
  ]) {
    randomFillSync(batch);
    for (let record = 0; record < 10_000; record += 1) batch[record * recordBytes] = record % 10;
    await fs.writeFile(path.join(folder, `${name}.bin`), batch);
  }
}

async function writePngFolder(folder: string, count: number): Promise<void> {
  const pixels = Buffer.alloc(32 * 32 * 3);
  for (let index = 0; index < count; index += 1) {
    const classFolder = path.join(folder, `class-${index % 10}`);
    if (index < 10) await fs.mkdir(classFolder, { recursive: true });
    randomFillSync(pixels);
    const png = await sharp(pixels, { raw: { width: 32, height: 32, channels: 3 } })
      .png()
      .toBuffer();
    await fs.writeFile(path.join(classFolder, `${index}.png`), png);
  }
}

async function timeImport(source: string, target: string): Promise<ImportTiming> {
  const startedAt = performance.now();
  const cpuAtStart = process.cpuUsage();
  await importDataset({ source, target });
  const cpu = process.cpuUsage(cpuAtStart);
  return { seconds: (performance.now() - startedAt) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

function describeTiming(timing: ImportTiming): string {
  return `${timing.seconds.toFixed(2)} s (CPU ${timing.cpuSeconds.toFixed(2)} s)`;
}

/** Measures import speed on Fashion-MNIST, a generated CIFAR-10 folder and generated PNGs. */
export async function runDataBenchmark(options: DataBenchmarkOptions = {}): Promise<DataBenchmarkFigures> {
  const log = options.log ?? (() => undefined);
  const pngCount = options.pngCount ?? 3000;
  const work = await fs.mkdtemp(path.join(tmpdir(), 'rtk-bench-data-'));
  try {
    const fashion = options.fashionMnistFolder ?? defaultFashionMnist;
    let fashionMnist: ImportTiming | null = null;
    if (existsSync(fashion)) {
      fashionMnist = await timeImport(fashion, path.join(work, 'fashion-cache'));
      log(`Fashion-MNIST import: ${describeTiming(fashionMnist)}`);
    } else {
      log(`Fashion-MNIST not found at ${fashion}; skipped`);
    }
    await writeCifar10(path.join(work, 'cifar-10-batches-bin'));
    const cifar10 = await timeImport(path.join(work, 'cifar-10-batches-bin'), path.join(work, 'cifar-cache'));
    log(`CIFAR-10 binary (50,000 + 10,000) import: ${describeTiming(cifar10)}`);
    await writePngFolder(path.join(work, 'pngs'), pngCount);
    const png = await timeImport(path.join(work, 'pngs'), path.join(work, 'png-cache'));
    const perSecond = pngCount / png.seconds;
    log(`Image folder: ${pngCount} PNG 32x32 in ${describeTiming(png)} = ${perSecond.toFixed(0)} PNG/s`);
    return { fashionMnist, cifar10, pngFolder: { ...png, count: pngCount, perSecond } };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

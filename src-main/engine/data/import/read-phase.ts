import type { ImageShape } from '../types.js';
import { readCifar10Dataset, readCifar100Dataset } from '../formats/cifar.js';
import { scannedLayoutOf } from '../formats/detect.js';
import { readIdxDataset } from '../formats/idx.js';
import { readImageFolderDataset } from '../formats/image-folder.js';
import { throwIfCancelled } from '../formats/source-files.js';
import { readSvhnDataset } from '../formats/svhn.js';
import type { DecodedDataset, DetectedDataset, ReadContext } from '../formats/types.js';
import { convertSplits } from './convert.js';
import type { ImportRun } from './import-run.js';

function readDataset(
  run: ImportRun,
  detected: DetectedDataset,
  context: ReadContext,
): Promise<DecodedDataset> {
  const { request, size } = run.settings;
  switch (detected.format) {
    case 'cifar10':
      return readCifar10Dataset(detected.root, context);
    case 'cifar100':
      return readCifar100Dataset(detected.root, request.cifar100Labels ?? 'fine', context);
    case 'svhn':
      return readSvhnDataset(detected.root, request.includeExtra === true, context);
    case 'idx':
      return readIdxDataset(detected.root, { classNames: request.classNames }, context);
    case 'folder':
    case 'cinic10':
      return readImageFolderDataset(
        detected.root,
        { format: detected.format, size, channels: request.channels },
        context,
        scannedLayoutOf(detected),
      );
  }
}

/**
 * Decodes every split of the detected dataset and converts it to the requested size and channels, with
 * progress in images (bytes while an SVHN file decompresses) throughout.
 */
export async function readPhase(
  run: ImportRun,
  detected: DetectedDataset,
): Promise<{ decoded: DecodedDataset; shape: ImageShape }> {
  const { source, request, size } = run.settings;
  const decoded = await readDataset(run, detected, {
    signal: run.signal,
    limits: run.limits,
    progress: (done, total, phase, unit) => run.meter.report(phase, done, total, unit),
  });
  throwIfCancelled(run.signal, source);
  const [sourceHeight, sourceWidth, sourceChannels] = decoded.shape;
  const shape: ImageShape = [
    size?.height ?? sourceHeight,
    size?.width ?? sourceWidth,
    request.channels ?? sourceChannels,
  ];
  const splits = await convertSplits(
    decoded.splits,
    decoded.shape,
    shape,
    run.signal,
    source,
    (done, total) => run.meter.report('resizing', done, total, 'images'),
  );
  return { decoded: { ...decoded, splits }, shape };
}

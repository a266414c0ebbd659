import { z } from 'zod';

/** File formats a teacher can be imported from. */
export const teacherFormats = ['onnx', 'pytorch', 'safetensors'] as const;
export type TeacherFormat = (typeof teacherFormats)[number];

/**
 * Ways to say how a teacher wants its pixels normalised: the per-channel mean and std of ImageNet, CIFAR-10
 * or CIFAR-100 (on the 0–1 scale), this dataset's own statistics, none, or numbers given by hand.
 */
export const inputNormalisationPresets = [
  'imagenet',
  'cifar10',
  'cifar100',
  'dataset',
  'none',
  'custom',
] as const;
export type InputNormalisationPreset = (typeof inputNormalisationPresets)[number];

/** The per-channel means and standard deviations of the named presets, on the 0–1 scale, RGB order. */
export const normalisationPresetValues = {
  imagenet: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  cifar10: { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] },
  cifar100: { mean: [0.5071, 0.4867, 0.4408], std: [0.2675, 0.2565, 0.2761] },
} as const;

/**
 * What a teacher expects of its input, fully resolved: pixels on the `scale` (1: 0–1, 255: 0–255), then
 * (pixel − mean[c]) / std[c] per teacher channel, channels in `channelOrder`.
 */
export const teacherInputContractSchema = z
  .object({
    preset: z.enum(inputNormalisationPresets),
    scale: z.union([z.literal(1), z.literal(255)]),
    mean: z.array(z.number()).min(1).max(3),
    std: z.array(z.number().positive()).min(1).max(3),
    channelOrder: z.enum(['RGB', 'BGR']),
  })
  .strict();
export type TeacherInputContract = z.infer<typeof teacherInputContractSchema>;

/** How the user asks for an input contract: a preset, or numbers; anything left out takes its default. */
export const teacherContractRequestSchema = z
  .object({
    preset: z.enum(inputNormalisationPresets).optional(),
    scale: z.union([z.literal(1), z.literal(255)]).optional(),
    mean: z.array(z.number()).min(1).max(3).optional(),
    std: z.array(z.number().positive()).min(1).max(3).optional(),
    channelOrder: z.enum(['RGB', 'BGR']).optional(),
  })
  .strict();
export type TeacherContractRequest = z.infer<typeof teacherContractRequestSchema>;

/** One feature tap of an imported teacher; `shape` is one sample's map as [H, W, C]. */
export const teacherTapSchema = z
  .object({
    index: z.number().int().nonnegative(),
    name: z.string(),
    /** The ONNX tensor it reads; null for a catalog teacher, whose taps are the catalog's. */
    tensor: z.string().nullable(),
    layout: z.enum(['NCHW', 'NHWC']),
    shape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]),
    stage: z.number().int().nonnegative(),
  })
  .strict();
export type TeacherTap = z.infer<typeof teacherTapSchema>;

/** An imported teacher as the store, the API and `rtk-workbench teacher import --json` give it. */
export const teacherRecordSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    format: z.enum(teacherFormats),
    /** The file the user imported. */
    sourcePath: z.string(),
    /** sha256 of the imported file, hex. */
    fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
    datasetId: z.string().min(1),
    /** The catalog backbone a PyTorch/safetensors teacher was loaded into; null for ONNX. */
    backbone: z.string().nullable(),
    /** Number of classes the teacher predicts (equal to the dataset's). */
    classes: z.number().int().min(2),
    /** The dataset's class names, in the dataset's order. */
    classNames: z.array(z.string()),
    /** How teacher outputs were matched to dataset classes: by index, or by names from the model or a labels file. */
    classMatching: z.enum(['index', 'names']),
    /** For each dataset class, the teacher output that scores it. */
    classOrder: z.array(z.number().int().nonnegative()),
    /** One image as the teacher takes it, in its layout: [C, H, W] for NCHW, [H, W, C] for NHWC. */
    inputShape: z.tuple([
      z.number().int().positive(),
      z.number().int().positive(),
      z.number().int().positive(),
    ]),
    layout: z.enum(['NCHW', 'NHWC']),
    /** The batch size the graph is fixed to; null when it runs any batch. */
    batchSize: z.number().int().positive().nullable(),
    /** The ONNX opset of the imported graph; null for checkpoints. */
    opset: z.number().int().nullable(),
    contract: teacherInputContractSchema,
    taps: z.array(teacherTapSchema),
    /** Accuracy on the dataset's test split at import, in percent. */
    testTop1: z.number().min(0).max(100),
    testTop5: z.number().min(0).max(100),
    /** Per dataset class, the share of its test images the teacher classifies right, in percent. */
    perClassTop1: z.array(z.number().min(0).max(100)),
    testImages: z.number().int().nonnegative(),
    /** Plain-words warnings about the measured accuracy (near chance, below a student alone). */
    warnings: z.array(z.string()),
    /** What the import did that the user should know (a final Softmax skipped, the batch made free). */
    notes: z.array(z.string()),
    /** Seconds the accuracy measurement took. */
    measureSeconds: z.number().nonnegative(),
    createdAt: z.string(),
  })
  .strict();
export type TeacherRecord = z.infer<typeof teacherRecordSchema>;

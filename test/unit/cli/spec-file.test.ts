import { describe, expect, it } from 'vitest';
import { formatSpecProblems, parseSpecText, SpecFileError } from '../../../src-main/cli/spec-file.js';

const validSpec = {
  name: 'Quick',
  datasetId: 'dataset-1',
  teacher: { source: 'train', backbone: 'resnet20' },
  student: { backbone: 'resnet8' },
  methods: ['rtk'],
  schedule: { epochs: 2 },
  seeds: [1],
};

function problemsOf(text: string): readonly string[] {
  try {
    parseSpecText(text, 'spec.json');
  } catch (error) {
    if (error instanceof SpecFileError) return error.problems;
    throw error;
  }
  throw new Error('the spec was accepted');
}

describe('reading a spec file', () => {
  it('fills in the defaults of a valid spec and adds the none baseline', () => {
    const spec = parseSpecText(JSON.stringify(validSpec), 'spec.json');
    expect(spec.methods).toEqual(['rtk', 'none']);
    expect(spec.schedule.batchSize).toBe(64);
    expect(spec.augmentation.horizontalFlip).toBe('auto');
  });

  it('lists every problem of an invalid spec with its JSON path', () => {
    const problems = problemsOf(
      JSON.stringify({
        ...validSpec,
        student: { backbone: 'resnet9' },
        methods: ['rtk', 'magic'],
        schedule: { epochs: 0 },
        seeds: [1, 1],
        hyperparameters: { kd: { temperatur: 3 } },
      }),
    );
    const paths = problems.map((problem) => problem.split(':')[0]);
    expect(paths).toEqual(
      expect.arrayContaining(['$.student.backbone', '$.methods.1', '$.schedule.epochs', '$.seeds']),
    );
    expect(problems.find((problem) => problem.startsWith('$.student.backbone'))).toMatch(/6k\+2/);
    expect(problems.length).toBeGreaterThanOrEqual(4);
  });

  it('names a missing required field and reports JSON syntax errors', () => {
    const withoutName: Partial<typeof validSpec> = { ...validSpec };
    delete withoutName.name;
    expect(problemsOf(JSON.stringify(withoutName)).some((problem) => problem.startsWith('$.name:'))).toBe(
      true,
    );
    expect(problemsOf('{"name": ')[0]).toMatch(/^\$: not valid JSON/);
  });

  it('formats the problems under a header naming the file and their number', () => {
    expect(formatSpecProblems('a.json', ['$.x: bad', '$.y: worse'])).toBe(
      'a.json is not a valid experiment spec (2 problems):\n  - $.x: bad\n  - $.y: worse',
    );
    expect(new SpecFileError('b.json', ['$: gone']).message).toBe(
      'b.json is not a valid experiment spec (1 problem):\n  - $: gone',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { parseModelCard } from '../../../src-shared/contracts/model-card.js';
import type { ModelCard } from '../../../src-shared/contracts/model-card.js';
import {
  cardSectionIds,
  modelCardDefinitions,
  modelCardDocument,
} from '../../../src-shared/domain/model-card-document.js';
import type { CardBlock, CardFact, CardSectionId } from '../../../src-shared/domain/model-card-document.js';
import { currentCard, earlierCardJson } from '../../support/model-card-fixtures.js';

function blocksOf(card: ModelCard, id: CardSectionId): readonly CardBlock[] {
  return modelCardDocument(card).sections.find((section) => section.id === id)?.blocks ?? [];
}

function factsOf(card: ModelCard, id: CardSectionId): CardFact[] {
  return blocksOf(card, id).flatMap((block) => (block.kind === 'facts' ? block.facts : []));
}

function fact(card: ModelCard, id: CardSectionId, label: string): CardFact | undefined {
  return factsOf(card, id).find((entry) => entry.label === label);
}

describe('the model card document', () => {
  it('has the sections a reader looks for, in reading order', () => {
    const document = modelCardDocument(currentCard());
    expect(document.sections.map((section) => section.id)).toEqual([...cardSectionIds]);
    expect(document.sections.map((section) => section.title)).toEqual([
      'What the model is',
      'How to feed it',
      'How it was trained',
      'How good it is',
      'Files',
      'How to run it',
    ]);
    expect(document.title).toBe('resnet8 student, ONNX (float32)');
    expect(document.subtitle).toBe('RTK on Pets');
  });

  it('shows the resolved RTK settings, β = 600 and k = 3 included, with where each value came from', () => {
    const table = blocksOf(currentCard(), 'training').find((block) => block.kind === 'table');
    if (table?.kind !== 'table') throw new Error('the training section has a settings table');
    expect(table.columns).toEqual(['Setting', 'Value', 'Where it comes from']);
    expect(table.rows).toContainEqual([
      'Feature weight β',
      '600',
      'derived: 200 × teacher taps ÷ student taps',
    ]);
    expect(table.rows).toContainEqual(['k', '3', 'derived: teacher taps ÷ student taps, rounded up']);
    expect(table.rows).toContainEqual(['KD temperature', '4', 'default']);
    expect(table.rows).toContainEqual(['Key selection', 'Top k teacher layers', 'default']);
    expect(table.rows).toHaveLength(7);
  });

  it('shows the recipe and the imported teacher with its accuracy, file, format and fingerprint', () => {
    const card = currentCard();
    expect(fact(card, 'training', 'Learning-rate schedule')?.value).toBe('cosine to 0');
    expect(fact(card, 'training', 'Training images')?.value).toBe('2,000 of 50,000 (a fixed random subset)');
    const teacher = fact(card, 'training', 'Teacher test top-1');
    expect(teacher?.value).toBe('91.20 %');
    expect(teacher?.definition?.definition).toMatch(/measured by the workbench when it was imported/);
    expect(fact(card, 'training', 'Teacher file')).toMatchObject({ code: true });
    expect(fact(card, 'training', 'Teacher fingerprint (sha256)')).toMatchObject({
      value: 'd'.repeat(64),
      code: true,
    });
  });

  it('gives every figure of “How good it is” its definition, the run’s images named beside its figure', () => {
    const card = currentCard();
    const quality = factsOf(card, 'quality');
    expect(quality.every((entry) => entry.definition !== undefined)).toBe(true);
    expect(fact(card, 'quality', 'Test top-1 (recorded by the run)')?.value).toMatch(
      /^19\.50 % on 500 of the 10,000 test images/,
    );
    // Both checks ran on the same images, so the in-app accuracy is shown once.
    expect(quality.filter((entry) => entry.label.startsWith('In-app accuracy'))).toHaveLength(1);
    expect(fact(card, 'quality', 'Exported accuracy (ONNX)')?.value).toBe('19.50 % on 500 images');
    expect(
      fact(card, 'quality', 'Exported accuracy (ONNX)')?.definition?.facts.find(
        (entry) => entry.name === 'Images',
      )?.value,
    ).toBe('the run’s 500 test images, the same as its Test top-1');
    expect(fact(card, 'quality', 'Latency (TensorFlow.js copy)')?.definition?.facts).toContainEqual({
      name: 'Threads',
      value: '1 (one core)',
    });
  });

  it('reads a card of an earlier version and says plainly what it did not record', () => {
    const card = parseModelCard(earlierCardJson, 'earlier');
    const paragraphs = blocksOf(card, 'training').flatMap((block) =>
      block.kind === 'paragraph' ? [block.text] : [],
    );
    expect(paragraphs.join(' ')).toMatch(
      /Settings not recorded .* only the values set by hand \(none were\)/,
    );
    expect(fact(card, 'training', 'Recipe')?.value).toMatch(/^not recorded/);
    expect(fact(card, 'quality', 'Test top-1 (recorded by the run)')?.value).toBe('19.50 %');
    const exported = fact(card, 'quality', 'Exported accuracy (ONNX)');
    expect(exported?.value).toBe('17.00 % on 1,000 images');
    expect(exported?.definition?.facts.find((entry) => entry.name === 'Images')?.value).toMatch(
      /an export of an older version: not necessarily the run’s/,
    );
  });

  it('lists every definition the document shows once for model-card.json', () => {
    const definitions = modelCardDefinitions(currentCard());
    const keys = definitions.map((definition) => definition.key);
    expect(new Set(keys)).toEqual(
      new Set([
        'teacherAccuracy',
        'testTop1',
        'inAppAccuracy',
        'exportedAccuracy',
        'top1Agreement',
        'logitDifference',
        'parameters',
        'macs',
        'peakMemory',
        'modelFiles',
        'latency',
      ]),
    );
    expect(new Set(definitions.map((definition) => JSON.stringify(definition))).size).toBe(
      definitions.length,
    );
  });

  it('gives code to run the model with the card’s own preprocessing and names', () => {
    const code = blocksOf(currentCard(), 'usage').flatMap((block) =>
      block.kind === 'code' ? [block.code] : [],
    );
    expect(code[0]).toContain('np.array([125.3, 123, 113.9], np.float32)');
    expect(code[0]).toContain('{"input": x.transpose(2, 0, 1)[None]}');
    expect(code[1]).toContain('tf.tensor4d(pixels, [1, 32, 32, 3])');
  });
});

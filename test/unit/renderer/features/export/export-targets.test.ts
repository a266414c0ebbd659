import { describe, expect, it } from 'vitest';
import {
  exportPresets,
  parityLines,
  presetLabel,
  presetSummary,
} from '../../../../../src-renderer/features/export/export-state.svelte.js';
import { currentCard } from '../../../../support/model-card-fixtures.js';

const card = currentCard();
const figures = card.parity.onnx;
if (figures === undefined) throw new Error('the fixture card has an ONNX check');

describe('export targets', () => {
  it('says what each target writes: format, precision, size budget', () => {
    expect(presetSummary('onnx-mobile')).toBe(
      'Writes ONNX with float32 (exact, not quantised) weights; size budget 20 MB. ONNX Runtime Mobile on ' +
        'an ARM phone or single-board computer; keeps the app download small.',
    );
    expect(presetSummary('browser')).toMatch(
      /^Writes TensorFlow\.js with float16 \(half precision, half the size\) weights; size budget 10 MB\. /,
    );
    expect(presetSummary('microcontroller')).toMatch(
      /^Writes TensorFlow\.js with uint8 \(quantised to 8 bits, a quarter of the size\) weights; size budget 1 MB\. /,
    );
    expect(presetSummary('')).toBe('Choose the file format and how precisely the weights are stored below.');
  });

  it('lists the custom choice first and every target by name', () => {
    expect(exportPresets.map(presetLabel)).toEqual([
      'Custom: choose the format and precision',
      'Browser (TFJS, WebGL/WASM)',
      'Node (TFJS)',
      'ONNX Runtime desktop CPU',
      'ONNX Runtime mobile (ARM)',
      'Microcontroller class (size budget only)',
    ]);
  });
});

describe('parityLines', () => {
  it('puts the exported ONNX model first and names the TFJS line as the demo page’s copy', () => {
    expect(
      parityLines({ ...card, parity: { tfjs: figures, onnx: figures } }, 'onnx').map(({ engine, label }) => [
        engine,
        label,
      ]),
    ).toEqual([
      ['onnx', 'ONNX (the exported model)'],
      ['tfjs', 'TensorFlow.js copy for the demo page'],
    ]);
  });

  it('names the TFJS line as the exported model when TFJS was exported', () => {
    expect(parityLines({ ...card, parity: { tfjs: figures } }, 'tfjs').map(({ label }) => label)).toEqual([
      'TensorFlow.js (the exported model)',
    ]);
  });
});

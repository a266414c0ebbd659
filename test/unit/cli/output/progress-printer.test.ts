import { describe, expect, it } from 'vitest';
import { ProgressPrinter } from '../../../../src-main/cli/output/progress-printer.js';

function recorder(isTTY: boolean): {
  stream: { isTTY: boolean; write(text: string): boolean };
  written: string[];
} {
  const written: string[] = [];
  return {
    written,
    stream: {
      isTTY,
      write: (text: string) => {
        written.push(text);
        return true;
      },
    },
  };
}

describe('the progress printer', () => {
  it('redraws one line in place on a terminal and keeps it below logged messages', () => {
    const { stream, written } = recorder(true);
    const printer = new ProgressPrinter(stream, 1_000, () => 0);
    printer.update('epoch 1');
    printer.update('epoch 2');
    printer.log('run done');
    printer.finish();
    expect(written).toEqual([
      '\repoch 1\u001b[K',
      '\repoch 2\u001b[K',
      '\r\u001b[Krun done\nepoch 2\u001b[K',
      '\r\u001b[K',
    ]);
  });

  it('writes plain lines elsewhere, at most one per interval unless final', () => {
    const { stream, written } = recorder(false);
    let now = 0;
    const printer = new ProgressPrinter(stream, 1_000, () => now);
    printer.update('a');
    now = 500;
    printer.update('b');
    printer.update('c', true);
    now = 1_400;
    printer.update('d');
    now = 1_600;
    printer.update('e');
    printer.log('message');
    printer.finish();
    expect(written).toEqual(['a\n', 'c\n', 'e\n', 'message\n']);
  });
});

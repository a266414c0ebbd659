import { describe, expect, it } from 'vitest';
import { parseModelCard } from '../../../../src-shared/contracts/model-card.js';
import { definitionLine } from '../../../../src-shared/domain/figure-definitions.js';
import { modelCardDocument } from '../../../../src-shared/domain/model-card-document.js';
import { modelCardMarkdown } from '../../../../src-main/engine/export/model-card.js';
import { currentCard, earlierCardJson } from '../../../support/model-card-fixtures.js';

describe('MODEL_CARD.md', () => {
  for (const [name, card] of [
    ['this version', currentCard()],
    ['an earlier version', parseModelCard(earlierCardJson, 'earlier')],
  ] as const) {
    it(`says what the UI’s card says, fact by fact, for a card of ${name}`, () => {
      const markdown = modelCardMarkdown(card);
      for (const section of modelCardDocument(card).sections) {
        expect(markdown).toContain(`\n## ${section.title}\n`);
        for (const block of section.blocks) {
          if (block.kind === 'facts') {
            for (const fact of block.facts) {
              const value = fact.code === true ? `\`${fact.value}\`` : fact.value;
              expect(markdown).toContain(`- **${fact.label}:** ${value}\n`);
              if (fact.definition !== undefined)
                expect(markdown).toContain(`  - _${definitionLine(fact.definition)}_`);
            }
          } else if (block.kind === 'table') {
            for (const row of block.rows) expect(markdown).toContain(row[0]?.replaceAll('|', '\\|'));
          } else if (block.kind === 'code') {
            expect(markdown).toContain(`\`\`\`\n${block.code}\n\`\`\``);
          } else {
            expect(markdown).toContain(block.text);
          }
        }
      }
    });
  }

  it('writes the resolved RTK settings as a table a Markdown viewer shows', () => {
    const markdown = modelCardMarkdown(currentCard());
    expect(markdown).toContain('| Setting | Value | Where it comes from |');
    expect(markdown).toContain('| Feature weight β | 600 | derived: 200 × teacher taps ÷ student taps |');
    expect(markdown).toContain('| k | 3 | derived: teacher taps ÷ student taps, rounded up |');
    expect(markdown).not.toContain('Hyperparameters: {}');
  });

  it('keeps a pipe in a class or file name from breaking a table, and a backtick from breaking code', () => {
    const card = currentCard();
    const odd = {
      ...card,
      files: [{ path: 'weird|name`.bin', bytes: 10 }],
      training: { ...card.training, runId: 'run`1' },
    };
    const markdown = modelCardMarkdown(odd);
    expect(markdown).toContain('| ``weird\\|name`.bin`` | 10 B |');
    expect(markdown).toContain('- **Run:** ``run`1``');
  });
});

import type { ModelCard, ModelCardTraining } from '../../../src-shared/contracts/model-card.js';
import { definitionLine } from '../../../src-shared/domain/figure-definitions.js';
import { modelCardDocument } from '../../../src-shared/domain/model-card-document.js';
import type { CardBlock } from '../../../src-shared/domain/model-card-document.js';

export type { ModelCard };

/** How the student was trained, as far as the caller knows it (from the run and its experiment). */
export type TrainingFacts = ModelCardTraining;

/** The preprocessing sentence used in the metadata and the card. */
export function preprocessingText(mean: readonly number[], std: readonly number[]): string {
  const format = (values: readonly number[]): string =>
    `[${values.map((value) => value.toFixed(4)).join(', ')}]`;
  return (
    'Resize to the input size; take pixel values on the 0..255 scale (RGB or grey, not divided by 255); per ' +
    `channel compute (x - mean) / std with mean ${format(mean)} and std ${format(std)}.`
  );
}

/** Text in a Markdown table cell: a pipe would end the cell (even inside code), a line break the row. */
function tableCell(text: string): string {
  return text.replaceAll('|', '\\|').replace(/\s*\n\s*/g, ' ');
}

/** Inline code that holds any text: the fence is one backtick longer than the longest run inside. */
function inlineCode(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${text.startsWith('`') || text.endsWith('`') ? ` ${text} ` : text}${fence}`;
}

function blockMarkdown(block: CardBlock): string[] {
  switch (block.kind) {
    case 'paragraph':
      return [block.text, ''];
    case 'code':
      return [`${block.caption}:`, '', '```', block.code, '```', ''];
    case 'table':
      return [
        `**${block.caption}**`,
        '',
        `| ${block.columns.map(tableCell).join(' | ')} |`,
        `| ${block.columns.map(() => '---').join(' | ')} |`,
        ...block.rows.map(
          (row) =>
            `| ${row.map((cell, column) => tableCell(block.codeColumns.includes(column) ? inlineCode(cell) : cell)).join(' | ')} |`,
        ),
        '',
      ];
    case 'facts':
      return [
        ...(block.heading === null ? [] : [`### ${block.heading}`, '']),
        ...block.facts.flatMap((fact) => [
          `- **${fact.label}:** ${fact.code === true ? inlineCode(fact.value) : fact.value}`,
          ...(fact.definition === undefined ? [] : [`  - _${definitionLine(fact.definition)}_`]),
        ]),
        '',
      ];
  }
}

/** MODEL_CARD.md: the card for people, the same sections, figures and definitions as the UI shows. */
export function modelCardMarkdown(card: ModelCard): string {
  const document = modelCardDocument(card);
  const lines = [`# ${document.title}`, '', document.subtitle, ''];
  for (const section of document.sections) {
    lines.push(`## ${section.title}`, '');
    for (const block of section.blocks) lines.push(...blockMarkdown(block));
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

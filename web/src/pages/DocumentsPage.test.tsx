// Answers with citations: each [n] that matches a source is a button naming the
// document and pages that opens that source; numbers without a source stay text.
import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { AnswerText, formatScore } from './DocumentsPage';
import type { SourcePassage } from '@/lib/types';

const source: SourcePassage = {
  number: 1, chunk_id: 11, document_id: 3, document: 'manual.pdf', page_start: 4, page_end: 5, heading_path: 'Intro',
  score: 0.0163, text: 'Read CSV files with read.csv.', truncated: false,
};

describe('AnswerText', () => {
  it('makes cited sources clickable and leaves invented numbers as text', async () => {
    const onCite = vi.fn();
    render(<AnswerText answer={{ answer: 'Use read.csv [1]. See also [7].', sources: [source] }} onCite={onCite} />);
    const cite = screen.getByRole('button', { name: 'Citation 1: manual.pdf, pages 4–5' });
    await userEvent.click(cite);
    expect(onCite).toHaveBeenCalledWith(source);
    expect(screen.getByTestId('rag-answer')).toHaveTextContent('See also [7].');
    expect(screen.getAllByRole('button')).toHaveLength(1);
  });
});

describe('formatScore', () => {
  it('keeps three significant digits', () => {
    expect(formatScore(0.016393)).toBe('0.0164');
    expect(formatScore(2.0139)).toBe('2.01');
    expect(formatScore(null)).toBe('—');
  });
});

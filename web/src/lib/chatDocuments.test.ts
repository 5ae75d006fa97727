import { describe, expect, it } from 'vitest';
import { commonModes, parseContextShare, parseTopK, retrievalBody } from './chatDocuments';
import { citationNumbers, citationTarget, linkCitations } from './citations';

describe('documents in chat', () => {
  it('offers only the modes every attached collection supports', () => {
    expect(commonModes([])).toEqual([]);
    expect(commonModes([{ retrieval_modes: ['bm25', 'dense', 'hybrid'] }])).toEqual(['bm25', 'dense', 'hybrid']);
    expect(commonModes([{ retrieval_modes: ['bm25', 'dense', 'hybrid'] }, { retrieval_modes: ['bm25'] }])).toEqual(['bm25']);
  });

  it('reads top-k: empty is the default, 1..100 whole numbers', () => {
    expect(parseTopK('')).toEqual({ value: null, problem: null });
    expect(parseTopK(' 8 ')).toEqual({ value: 8, problem: null });
    expect(parseTopK('0').problem).toBeTruthy();
    expect(parseTopK('101').problem).toBeTruthy();
    expect(parseTopK('2.5').problem).toBeTruthy();
  });

  it('builds the retrieval to save, keeping the other settings; nothing set is null', () => {
    expect(retrievalBody(null, 'auto', null)).toBeNull();
    expect(retrievalBody({ mode: 'dense', top_k: 3 }, 'auto', null)).toBeNull();
    expect(retrievalBody(null, 'hybrid', 8)).toEqual({ mode: 'hybrid', top_k: 8 });
    expect(retrievalBody({ mode: 'dense', rrf_k: 60, min_score: null }, 'bm25', null)).toEqual({ mode: 'bm25', rrf_k: 60 });
  });
});

describe('context for sources', () => {
  it('reads a percentage from 5 to 100 as the server\'s share, empty as the default', () => {
    expect(parseContextShare('')).toEqual({ value: null, problem: null });
    expect(parseContextShare('50')).toEqual({ value: 0.5, problem: null });
    expect(parseContextShare('75 %')).toEqual({ value: 0.75, problem: null });
    expect(parseContextShare('5')).toEqual({ value: 0.05, problem: null });
    expect(parseContextShare('100')).toEqual({ value: 1, problem: null });
    for (const bad of ['4', '101', 'abc', '-10', '0.5x']) expect(parseContextShare(bad).problem).toMatch(/from 5 to 100/);
  });
  it('is saved with the other retrieval settings and removed when emptied', () => {
    expect(retrievalBody(null, 'auto', null, 0.4)).toEqual({ context_share: 0.4 });
    expect(retrievalBody({ context_share: 0.4, rrf_k: 30 }, 'bm25', 5, null)).toEqual({ mode: 'bm25', top_k: 5, rrf_k: 30 });
  });
});

describe('citations', () => {
  it('reads single numbers, lists and ranges', () => {
    expect(citationNumbers('1')).toEqual([1]);
    expect(citationNumbers('1, 3')).toEqual([1, 3]);
    expect(citationNumbers('2-4')).toEqual([2, 3, 4]);
    expect(citationNumbers('2–3, 5')).toEqual([2, 3, 5]);
    expect(citationNumbers('4-2')).toEqual([]);
  });

  it('links known numbers and reports unknown ones, leaving code and links alone', () => {
    const known = new Set([1, 2, 3]);
    const r = linkCitations('A [1]. B [1, 3]. C [2-3]. D [9]. E [3, 7]. `x[1]` [link](http://a) [2](http://b)', known);
    expect(r.markdown).toBe(
      'A \\[[1](#cite-1)\\]. B \\[[1](#cite-1), [3](#cite-3)\\]. C \\[[2](#cite-2), [3](#cite-3)\\]. D [9]. E \\[[3](#cite-3), 7\\]. `x[1]` [link](http://a) [2](http://b)',
    );
    expect(r.unknown).toEqual([7, 9]);
    expect(linkCitations('no citations', known)).toEqual({ markdown: 'no citations', unknown: [] });
  });

  it('reads a citation link back', () => {
    expect(citationTarget('#cite-4')).toBe(4);
    expect(citationTarget('http://x')).toBeNull();
    expect(citationTarget(undefined)).toBeNull();
  });
});

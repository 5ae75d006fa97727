// Several files, each its own upload: progress, then accepted, refused with the
// server's reason, or failed; the job of an accepted file is handed on.
import { describe, expect, it, vi } from 'vitest';
import { act, renderHook, waitFor } from '@testing-library/react';
import { rowFromReply, useUploads } from './uploads';
import { ApiError } from './api';
import type { UploadReply } from './types';

const job = { id: 'job-1', collection_id: 1, kind: 'ingest', status: 'queued', finished: false, files_total: 1, files_done: 0, files_failed: 0, pages: 0, chunks: 0, pages_per_second: null, eta_seconds: null, files: [] };

describe('uploads', () => {
  it('reads a reply: refused files with their reason, else accepted', () => {
    expect(rowFromReply({ job: null, documents: [], refused: [{ file_name: 'a.exe', error: { code: 'unsupported_format', message: 'not a PDF, text or Markdown file' } }] })).toEqual({
      state: 'refused',
      message: 'not a PDF, text or Markdown file',
    });
    expect(rowFromReply({ job: null, documents: [], refused: [] })).toMatchObject({ state: 'accepted', fraction: 1 });
  });

  it('tracks each file apart and hands on the jobs', async () => {
    const onJob = vi.fn();
    const onSettled = vi.fn();
    const upload = vi.fn((file: File, onProgress: (f: number) => void): Promise<UploadReply> => {
      onProgress(0.5);
      if (file.name === 'bad.bin') return Promise.reject(new ApiError(400, 'unsupported_format', 'bad.bin: unknown format'));
      return Promise.resolve({ job, documents: [], refused: [] });
    });
    const { result } = renderHook(() => useUploads(upload, onJob, onSettled));
    await act(() => result.current.send([new File(['x'], 'notes.txt'), new File(['y'], 'bad.bin')]));
    await waitFor(() => expect(onSettled).toHaveBeenCalled());
    const rows = result.current.rows;
    expect(rows.map((r) => [r.name, r.state])).toEqual([
      ['notes.txt', 'accepted'],
      ['bad.bin', 'failed'],
    ]);
    expect(rows[1].message).toContain('unknown format');
    expect(onJob).toHaveBeenCalledWith(job);
  });
});

// One streamed generation in a component: text as it arrives (flushed once per
// animation frame, so a fast model does not re-render per token), its id, the
// final result, client-side time to first token, and Stop (the cancel route,
// which ends the stream with finish_reason "cancelled"; the connection is
// closed as a fallback). Never leaves a request running when the component goes.
// Reasoning, the tokens' probabilities and tool calls are gathered alongside
// (lib/replyStream.ts) and flushed with the text. The `start` payload is kept as it
// came (a grounded reply's `sources` and `dropped` arrive in it).
import * as React from 'react';
import { isAbort, errorText, type ApiClient, type StreamHandlers } from './api';
import { applyReplyEvent, emptyReply } from './replyStream';
import type { Timings, TokenLogprob, ToolCall, Usage } from './types';

export type GenerationStatus = 'idle' | 'streaming' | 'done' | 'stopped' | 'error';

export interface GenerationState {
  status: GenerationStatus;
  text: string;
  reasoning: string; // a reasoning model's thinking (`reasoning` events)
  tokens: TokenLogprob[]; // with logprobs requested: the answer's tokens so far
  toolCalls: ToolCall[]; // the reply's tool calls (with `done`)
  id: string | null;
  error: string | null;
  finishReason: string | null;
  usage: Usage | null;
  timings: Timings | null;
  pieces: number; // text events so far (about one per token)
  firstTokenMs: number | null; // measured here, from the request to the first text
  elapsedMs: number | null;
  start: Record<string, unknown> | null; // the whole `start` payload
  done: Record<string, unknown> | null; // the whole `done` payload
}

const initial: GenerationState = {
  status: 'idle', text: '', reasoning: '', tokens: [], toolCalls: [], id: null, error: null, finishReason: null, usage: null, timings: null, pieces: 0,
  firstTokenMs: null, elapsedMs: null, start: null, done: null,
};

export type StreamRunner = (handlers: StreamHandlers, signal: AbortSignal) => Promise<void>;

export function useGeneration(api: ApiClient, onEvent?: (event: string, data: unknown) => void) {
  const [state, setState] = React.useState<GenerationState>(initial);
  const abortRef = React.useRef<AbortController | null>(null);
  const idRef = React.useRef<string | null>(null);
  const onEventRef = React.useRef(onEvent);
  onEventRef.current = onEvent;

  React.useEffect(() => () => abortRef.current?.abort(), []);

  const run = React.useCallback(async (runner: StreamRunner): Promise<GenerationState> => {
    abortRef.current?.abort();
    const controller = new AbortController();
    abortRef.current = controller;
    idRef.current = null;
    const started = performance.now();
    const acc = emptyReply();
    let text = '';
    let pieces = 0;
    let firstTokenMs: number | null = null;
    let frame = 0;
    let final: GenerationState = { ...initial, status: 'streaming' };
    setState(final);
    const parts = () => ({ reasoning: acc.reasoning, tokens: acc.tokens.slice(), toolCalls: acc.toolCalls.map((c) => ({ ...c, function: { ...c.function } })) });
    const flush = () => {
      frame = 0;
      if (abortRef.current === controller) setState((s) => ({ ...s, text, pieces, firstTokenMs, ...parts() }));
    };
    const handlers: StreamHandlers = {
      onEvent: (event, data) => {
        const d = (data ?? {}) as Record<string, unknown>;
        if (event === 'start') {
          if (typeof d.id === 'string') idRef.current = d.id;
          final = { ...final, start: d };
          if (abortRef.current === controller) setState((s) => ({ ...s, id: idRef.current, start: d }));
        } else if (event === 'text' || event === 'reasoning') {
          applyReplyEvent(acc, event, data);
          if (firstTokenMs === null) firstTokenMs = performance.now() - started;
          text = acc.text;
          pieces = acc.pieces;
          if (!frame) frame = requestAnimationFrame(flush);
        } else if (event === 'done') {
          applyReplyEvent(acc, event, data);
          const answer = typeof d.text === 'string' ? d.text : typeof d.answer === 'string' ? d.answer : null;
          if (answer !== null) text = answer;
          const reply = d.reply as Record<string, unknown> | undefined;
          if (reply && typeof reply.content === 'string') text = reply.content;
          const gen = (reply?.generation ?? d) as Record<string, unknown>;
          final = {
            ...final,
            ...parts(),
            text,
            pieces,
            firstTokenMs,
            id: idRef.current,
            finishReason: (gen.finish_reason as string) ?? null,
            usage: (gen.usage as Usage) ?? null,
            timings: (gen.timings as Timings) ?? null,
            done: d,
          };
        }
        onEventRef.current?.(event, data);
      },
    };
    try {
      await runner(handlers, controller.signal);
      const cancelled = final.finishReason === 'cancelled';
      final = { ...final, ...parts(), text, pieces, firstTokenMs, status: cancelled ? 'stopped' : 'done', elapsedMs: performance.now() - started };
    } catch (e) {
      final = isAbort(e)
        ? { ...final, ...parts(), text, pieces, firstTokenMs, status: 'stopped', finishReason: 'cancelled', elapsedMs: performance.now() - started }
        : { ...final, ...parts(), text, pieces, firstTokenMs, status: 'error', error: errorText(e), elapsedMs: performance.now() - started };
    } finally {
      if (frame) cancelAnimationFrame(frame);
    }
    if (abortRef.current === controller) {
      abortRef.current = null;
      setState(final);
    }
    return final;
  }, []);

  const stop = React.useCallback(() => {
    const controller = abortRef.current;
    if (!controller) return;
    const id = idRef.current;
    if (!id) {
      controller.abort();
      return;
    }
    // Cancel keeps the text so far and lets the server send `done`; close the
    // connection if that does not end the stream soon.
    api.cancel(id).catch(() => controller.abort());
    setTimeout(() => {
      if (abortRef.current === controller) controller.abort();
    }, 1500);
  }, [api]);

  const reset = React.useCallback(() => {
    abortRef.current?.abort();
    abortRef.current = null;
    setState(initial);
  }, []);

  return { state, run, stop, reset };
}

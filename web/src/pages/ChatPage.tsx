// Chat: server-stored conversations (list, new, rename, delete, export as JSON
// or Markdown), messages rendered as Markdown with code, streaming replies with
// Stop, edit-and-resend (a copy of the conversation up to that message, so the
// original stays), per-conversation model/system prompt/parameters, and a bar
// of the context used (warning before the next reply would not fit). A reasoning
// model's thinking (`reasoning` events, a stored `reasoning_content`, or a leading
// <think> block) is folded in a closed "Reasoning" disclosure above the answer.
import * as React from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { Download, Pencil, Plus, Send, Settings2, Square, Trash2, Check, Upload, X } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { Input, Textarea } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { Progress } from '@/components/ui/progress';
import { Dialog, DialogContent } from '@/components/ui/dialog';
import { Tooltip } from '@/components/ui/tooltip';
import { Markdown } from '@/components/Markdown';
import { ErrorNote, Notice } from '@/components/ErrorNote';
import { ModelPicker, useModels } from '@/components/ModelPicker';
import { SamplingControls } from '@/components/SamplingControls';
import { GenerationStats } from '@/components/GenerationStats';
import { Reasoning } from '@/components/Reasoning';
import { ChatDocuments } from '@/components/ChatDocuments';
import { SourceDialog, SourcedAnswer } from '@/components/ReplySources';
import { droppedOf, sourcesOf } from '@/lib/sources';
import { AttachButton, ChatFilesStatus, useChatFiles } from '@/components/ChatFiles';
import { useApi } from '@/lib/session';
import { splitThinking } from '@/lib/replyStream';
import { errorText } from '@/lib/api';
import { useGeneration } from '@/lib/useGeneration';
import { samplingBody, modelDefaults, DEFAULT_MAX_TOKENS } from '@/lib/sampling';
import type { Conversation, Message, SamplingParams, SourcePassage } from '@/lib/types';
import { cn } from '@/lib/utils';
import { shortNumbers, shortNumbersInJson, shortNumbersInMarkdownExport } from '@/lib/format';

export function contextBudget(messages: Message[], draft: string, maxTokens: number, contextLength: number | undefined) {
  let used = 0;
  for (const m of messages) if (m.role === 'assistant' && m.generation?.usage) used = m.generation.usage.total_tokens;
  // The draft's tokens are estimated (about 4 characters a token) until it is sent.
  const draftTokens = Math.ceil(draft.length / 4);
  const needed = used + draftTokens + maxTokens;
  const ctx = contextLength ?? 0;
  return { used, draftTokens, needed, ctx, fits: ctx === 0 || needed <= ctx, share: ctx ? Math.min(1, (used + draftTokens) / ctx) : 0 };
}

// An export as the server wrote it, with its numbers short (temperature 0.8, not 0.800000011920929).
export async function shortExport(blob: Blob, format: 'json' | 'markdown'): Promise<Blob> {
  const text = await blob.text();
  return new Blob([format === 'json' ? shortNumbersInJson(text) : shortNumbersInMarkdownExport(text)], { type: blob.type });
}

function download(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function ConversationList({
  items,
  current,
  onChanged,
  onRenamed,
}: {
  items: Conversation[];
  current?: string;
  onChanged: () => void;
  onRenamed: (id: string, title: string) => void;
}) {
  const api = useApi();
  const navigate = useNavigate();
  const [renaming, setRenaming] = React.useState<string | null>(null);
  const [title, setTitle] = React.useState('');
  const [error, setError] = React.useState<string | null>(null);
  return (
    <nav aria-label="Conversations" className="flex flex-col gap-1">
      {error ? <ErrorNote>{error}</ErrorNote> : null}
      {items.length === 0 ? <p className="p-2 text-sm text-muted-foreground">No conversations yet.</p> : null}
      <ul className="flex flex-col gap-1">
        {items.map((c) => (
          <li key={c.id} className={cn('group flex items-center gap-1 rounded-md pr-1', c.id === current && 'bg-accent')}>
            {renaming === c.id ? (
              <form
                className="flex flex-1 items-center gap-1 p-1"
                onSubmit={(e) => {
                  e.preventDefault();
                  api
                    .updateConversation(c.id, { title })
                    .then(() => {
                      setRenaming(null);
                      onRenamed(c.id, title);
                      onChanged();
                    })
                    .catch((err) => setError(errorText(err)));
                }}
              >
                <Input aria-label="New title" value={title} autoFocus onChange={(e) => setTitle(e.target.value)} className="h-7" />
                <Button type="submit" size="icon" variant="ghost" className="h-7 w-7" aria-label="Save title">
                  <Check aria-hidden />
                </Button>
                <Button size="icon" variant="ghost" className="h-7 w-7" aria-label="Cancel rename" onClick={() => setRenaming(null)}>
                  <X aria-hidden />
                </Button>
              </form>
            ) : (
              <>
                <button
                  type="button"
                  className="min-w-0 flex-1 truncate rounded-md px-2 py-1.5 text-left text-sm hover:bg-accent focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
                  onClick={() => navigate(`/chat/${c.id}`)}
                  aria-current={c.id === current ? 'page' : undefined}
                  title={c.title}
                >
                  {c.title || 'Untitled'}
                </button>
                <Button
                  size="icon"
                  variant="ghost"
                  className="h-7 w-7"
                  aria-label={`Rename ${c.title}`}
                  onClick={() => {
                    setTitle(c.title);
                    setRenaming(c.id);
                  }}
                >
                  <Pencil aria-hidden />
                </Button>
                <Button
                  size="icon"
                  variant="ghost"
                  className="h-7 w-7"
                  aria-label={`Delete ${c.title}`}
                  onClick={() => {
                    if (!window.confirm(`Delete the conversation "${c.title}"?`)) return;
                    api
                      .deleteConversation(c.id)
                      .then(() => {
                        if (c.id === current) navigate('/chat');
                        onChanged();
                      })
                      .catch((err) => setError(errorText(err)));
                  }}
                >
                  <Trash2 aria-hidden />
                </Button>
              </>
            )}
          </li>
        ))}
      </ul>
    </nav>
  );
}

// An assistant message's reasoning and answer: the stored reasoning, else a leading <think> block.
export function reasoningOf(m: Pick<Message, 'content' | 'reasoning_content' | 'reasoning'>): { reasoning: string; answer: string } {
  const stored = m.reasoning_content || m.reasoning;
  if (stored) return { reasoning: stored, answer: m.content };
  const split = splitThinking(m.content);
  return { reasoning: split.reasoning, answer: split.answer };
}

function MessageView({ m, onEdit, onOpenSource, disabled }: { m: Message; onEdit?: (m: Message) => void; onOpenSource: (s: SourcePassage) => void; disabled: boolean }) {
  const user = m.role === 'user';
  const { reasoning, answer } = user ? { reasoning: '', answer: m.content } : reasoningOf(m);
  return (
    <li className={cn('flex', user ? 'justify-end' : 'justify-start')} data-role={m.role}>
      <div className={cn('group min-w-0 max-w-[85%] rounded-lg px-3 py-2 [overflow-wrap:anywhere]', user ? 'bg-primary/10' : 'bg-muted')}>
        <div className="mb-1 flex items-center gap-2 text-xs text-muted-foreground">
          <span className="font-medium capitalize">{m.role}</span>
          {m.generation?.usage ? <span>{m.generation.usage.completion_tokens} tokens</span> : null}
          {m.generation?.finish_reason === 'cancelled' ? <span>stopped</span> : null}
          {user && onEdit ? (
            <button
              type="button"
              className="ml-auto rounded px-1 opacity-70 hover:opacity-100 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
              onClick={() => onEdit(m)}
              disabled={disabled}
              aria-label="Edit and resend this message"
            >
              <Pencil className="h-3 w-3" aria-hidden />
            </button>
          ) : null}
        </div>
        {user ? (
          <p className="whitespace-pre-wrap break-words text-sm">{m.content}</p>
        ) : (
          <>
            <Reasoning text={reasoning} className="mb-2" />
            {/* A grounded reply's passages (absent on a server that does not give them). */}
            <SourcedAnswer text={answer} sources={sourcesOf(m)} dropped={droppedOf(m)} plain={<Markdown text={answer} />} onOpen={onOpenSource} />
          </>
        )}
      </div>
    </li>
  );
}

export default function ChatPage() {
  const api = useApi();
  const navigate = useNavigate();
  const { id } = useParams();
  const { models, defaultModel } = useModels();
  const [list, setList] = React.useState<Conversation[]>([]);
  const [conv, setConv] = React.useState<Conversation | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [draft, setDraft] = React.useState('');
  const [pendingUser, setPendingUser] = React.useState<string | null>(null);
  const [editing, setEditing] = React.useState<Message | null>(null);
  // The passage a reply's citation or source opened (one dialog for the page).
  const [openSource, setOpenSource] = React.useState<SourcePassage | null>(null);
  const [settingsOpen, setSettingsOpen] = React.useState(false);
  const [newModel, setNewModel] = React.useState('');
  const { state, run, stop, reset } = useGeneration(api);
  const streaming = state.status === 'streaming';
  const bottomRef = React.useRef<HTMLDivElement>(null);
  const streamed = state.reasoning ? { reasoning: state.reasoning, answer: state.text } : splitThinking(state.text);
  // What the streaming reply shows: its answer so far, else an ellipsis until something arrives.
  const streamedShown = streamed.answer || (streamed.reasoning ? '' : '…');
  // The id of a conversation this page just made and navigated to: its state is already here.
  const madeHereRef = React.useRef<string | null>(null);

  const loadList = React.useCallback(() => {
    api
      .conversations()
      .then((r) => setList(r.conversations))
      .catch((e) => setError(errorText(e)));
  }, [api]);
  React.useEffect(loadList, [loadList]);

  React.useEffect(() => {
    if (!newModel && defaultModel) setNewModel(defaultModel);
  }, [newModel, defaultModel]);

  React.useEffect(() => {
    if (id && id === madeHereRef.current) {
      madeHereRef.current = null;
      return;
    }
    setConv(null);
    reset();
    setPendingUser(null);
    setOpenSource(null);
    if (!id) return;
    const controller = new AbortController();
    api
      .conversation(id, controller.signal)
      .then(setConv)
      .catch((e) => {
        if ((e as Error).name !== 'AbortError') setError(errorText(e));
      });
    return () => controller.abort();
  }, [api, id, reset]);

  React.useEffect(() => {
    bottomRef.current?.scrollIntoView({ block: 'end' });
  }, [conv?.messages?.length, pendingUser, state.text, state.reasoning]);

  const params: SamplingParams = conv?.params ?? {};
  const maxTokens = params.max_tokens ?? DEFAULT_MAX_TOKENS;
  const modelInfo = models?.find((m) => m.name === (conv?.model ?? newModel));
  const budget = contextBudget(conv?.messages ?? [], draft, maxTokens, modelInfo?.context_length);

  // A new chat's reply length: at most a quarter of the model's context, so a few turns fit.
  const newChatMaxTokens = Math.max(16, Math.min(DEFAULT_MAX_TOKENS, Math.floor((modelInfo?.context_length ?? 4 * DEFAULT_MAX_TOKENS) / 4)));

  // A new conversation, opened here (for the first message, or files dropped before any).
  async function createConversation(title: string): Promise<Conversation | null> {
    try {
      const c = await api.createConversation({ title, model: newModel || undefined, params: { max_tokens: newChatMaxTokens } });
      setConv({ ...c, messages: [] });
      madeHereRef.current = c.id;
      navigate(`/chat/${c.id}`);
      return c;
    } catch (e) {
      setError(errorText(e));
      return null;
    }
  }
  // The open conversation (by its URL while it loads), else a new one for the files.
  const openIdRef = React.useRef<string | null>(null);
  openIdRef.current = conv?.id ?? id ?? null;
  const files = useChatFiles(
    async () => openIdRef.current ?? (await createConversation('Chat about documents'))?.id ?? null,
    (convId) => {
      // Only the documents' fields: a reply may be streaming into the messages.
      api.conversation(convId).then(
        (fresh) => setConv((cur) => (cur && cur.id === fresh.id ? { ...cur, collections: fresh.collections, retrieval: fresh.retrieval, own_collection_id: fresh.own_collection_id } : cur)),
        (e) => setError(errorText(e)),
      );
      loadList();
    },
  );
  const [dragOver, setDragOver] = React.useState(false);
  async function send(text: string, target?: Conversation) {
    setError(null);
    const c = target ?? conv ?? (await createConversation(text.slice(0, 60).split('\n')[0] || 'New chat'));
    if (!c) return;
    const convId = c.id;
    setPendingUser(text);
    setDraft('');
    const result = await run((handlers, signal) =>
      api.sendMessage(convId, { content: text, params: c!.params?.max_tokens ? undefined : { max_tokens: newChatMaxTokens } }, handlers, signal),
    );
    try {
      const fresh = await api.conversation(convId);
      setConv(fresh);
    } catch (e) {
      setError(errorText(e));
    }
    setPendingUser(null);
    if (result.status === 'error') setDraft(text);
    else reset();
    loadList();
  }

  // Edit and resend: a new conversation holding the messages before the edited one.
  async function resendEdited(original: Message, text: string) {
    if (!conv?.messages) return;
    setEditing(null);
    try {
      const copy = await api.createConversation({
        title: `${conv.title} (edited)`.slice(0, 200),
        model: conv.model,
        system_prompt: conv.system_prompt,
        params: conv.params,
      });
      for (const m of conv.messages) {
        if (m.id === original.id) break;
        await api.addMessage(copy.id, { content: m.content, role: m.role, reply: false });
      }
      const withHistory = await api.conversation(copy.id);
      setConv(withHistory);
      madeHereRef.current = copy.id;
      navigate(`/chat/${copy.id}`);
      await send(text, withHistory);
    } catch (e) {
      setError(errorText(e));
    }
  }

  return (
    <div className="grid h-[calc(100vh-6rem)] grid-cols-1 gap-4 md:grid-cols-[260px_minmax(0,1fr)]">
      <aside className="flex min-h-0 min-w-0 flex-col gap-2 border-b pb-2 md:border-b-0 md:border-r md:pb-0 md:pr-3" aria-label="Conversation list">
        <Button
          onClick={() => {
            navigate('/chat');
            setConv(null);
          }}
          variant="outline"
        >
          <Plus aria-hidden /> New chat
        </Button>
        <div className="max-h-40 min-h-0 overflow-y-auto md:max-h-none md:flex-1">
          <ConversationList
            items={list}
            current={id}
            onChanged={loadList}
            onRenamed={(cid, title) => setConv((c) => (c && c.id === cid ? { ...c, title } : c))}
          />
        </div>
      </aside>
      <section
        className={cn('relative flex min-h-0 min-w-0 flex-col gap-3 rounded-lg', dragOver && 'outline-dashed outline-2 outline-offset-4 outline-primary')}
        aria-label="Conversation"
        onDragOver={(e) => {
          if (!Array.from(e.dataTransfer.types).includes('Files')) return;
          e.preventDefault();
          setDragOver(true);
        }}
        onDragLeave={(e) => {
          if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragOver(false);
        }}
        onDrop={(e) => {
          if (!e.dataTransfer.files.length) return;
          e.preventDefault();
          setDragOver(false);
          void files.send(Array.from(e.dataTransfer.files));
        }}
        data-testid="chat-drop"
      >
        {dragOver ? (
          <div className="pointer-events-none absolute inset-0 z-10 flex items-center justify-center rounded-lg bg-background/80 text-sm font-medium text-primary" data-testid="chat-drop-target">
            <Upload className="mr-2 h-5 w-5" aria-hidden /> Drop files to add them to this chat
          </div>
        ) : null}
        <div className="flex flex-wrap items-center gap-2">
          <h1 className="w-full min-w-0 truncate text-xl font-semibold sm:w-auto sm:flex-1" title={conv?.title}>{conv ? conv.title : 'New chat'}</h1>
          {conv ? (
            <>
              <span className="text-xs text-muted-foreground">{conv.model}</span>
              <ChatDocuments conv={conv} onSaved={(c) => setConv((old) => ({ ...c, messages: old?.messages ?? c.messages }))} />
              <Tooltip content="Model, system prompt and parameters of this conversation">
                <Button variant="outline" size="sm" onClick={() => setSettingsOpen(true)}>
                  <Settings2 aria-hidden /> Settings
                </Button>
              </Tooltip>
              <Button variant="outline" size="sm" onClick={() => api.exportConversation(conv.id, 'markdown').then((b) => shortExport(b, 'markdown')).then((b) => download(b, `${conv.id}.md`), (e) => setError(errorText(e)))}>
                <Download aria-hidden /> Markdown
              </Button>
              <Button variant="outline" size="sm" onClick={() => api.exportConversation(conv.id, 'json').then((b) => shortExport(b, 'json')).then((b) => download(b, `${conv.id}.json`), (e) => setError(errorText(e)))}>
                <Download aria-hidden /> JSON
              </Button>
            </>
          ) : (
            <div className="w-56">
              <ModelPicker id="chat-model" label="Model for a new chat" value={newModel} onChange={setNewModel} models={models} />
            </div>
          )}
        </div>
        {conv?.collections?.length ? (
          <p className="-mt-1 text-xs text-muted-foreground [overflow-wrap:anywhere]" data-testid="attached-collections">
            Answers from: {conv.collections.map((c) => (c.id === conv.own_collection_id ? 'files of this chat' : c.name)).join(', ')}
            {conv.retrieval?.mode ? ` · ${conv.retrieval.mode}` : ''}
            {conv.retrieval?.top_k ? ` · top ${conv.retrieval.top_k}` : ''}
          </p>
        ) : null}
        {error ? <ErrorNote>{error}</ErrorNote> : null}
        <ChatFilesStatus rows={files.rows} jobs={files.jobs} error={files.error} />
        <div className="min-h-0 flex-1 overflow-y-auto rounded-lg border p-3" data-testid="messages">
          {!conv && !pendingUser ? <Notice>Write a message to start a conversation, or drop files here to chat about them. It is stored on the server.</Notice> : null}
          <ul className="flex flex-col gap-3">
            {(conv?.messages ?? []).map((m) => (
              <MessageView key={m.id} m={m} onEdit={setEditing} onOpenSource={setOpenSource} disabled={streaming} />
            ))}
            {pendingUser !== null ? (
              <>
                <MessageView m={{ id: -1, role: 'user', content: pendingUser, created_at: '' }} onOpenSource={setOpenSource} disabled />
                <li className="flex justify-start" data-role="assistant" data-streaming="true">
                  <div className="min-h-[2.5rem] min-w-0 max-w-[85%] rounded-lg bg-muted px-3 py-2 [overflow-wrap:anywhere]">
                    <div className="mb-1 text-xs font-medium text-muted-foreground">assistant</div>
                    <Reasoning text={streamed.reasoning} streaming={Boolean(streamed.reasoning) && !streamed.answer && streaming} className="mb-2" />
                    {/* A grounded reply's sources come with the stream's start: its [n] link as the text arrives. */}
                    <SourcedAnswer
                      text={streamedShown}
                      sources={sourcesOf(state.start)}
                      dropped={droppedOf(state.start)}
                      plain={<p className="whitespace-pre-wrap break-words text-sm">{streamedShown}</p>}
                      onOpen={setOpenSource}
                    />
                  </div>
                </li>
              </>
            ) : null}
          </ul>
          <div ref={bottomRef} />
        </div>
        <div className="flex flex-col gap-1.5">
          <div className="flex items-center gap-2 text-xs text-muted-foreground">
            <span className="shrink-0">Context</span>
            <Progress
              value={budget.share * 100}
              tone={!budget.fits ? 'danger' : budget.share > 0.75 ? 'warning' : 'primary'}
              label="Context used"
              className="flex-1"
            />
            <span className="shrink-0 tabular-nums" data-testid="context-budget">
              {budget.used + budget.draftTokens} / {budget.ctx || '?'} tokens
            </span>
          </div>
          {!budget.fits ? (
            <p role="alert" className="text-xs text-warning">
              The next reply may not fit: about {budget.needed} tokens needed (history, message and {maxTokens} for the reply) of {budget.ctx}. Start a new chat or lower max tokens.
            </p>
          ) : null}
        </div>
        <form
          className="flex items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            if (draft.trim() && !streaming) void send(draft.trim());
          }}
        >
          <div className="flex flex-1 flex-col gap-1">
            <Label htmlFor="chat-input" className="sr-only">
              Message
            </Label>
            <Textarea
              id="chat-input"
              rows={2}
              value={draft}
              placeholder="Message (Enter sends, Shift+Enter for a new line)"
              onChange={(e) => setDraft(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && !e.shiftKey) {
                  e.preventDefault();
                  if (draft.trim() && !streaming) void send(draft.trim());
                }
              }}
            />
          </div>
          <AttachButton onFiles={(f) => void files.send(f)} />
          {streaming ? (
            <Button variant="destructive" onClick={stop}>
              <Square aria-hidden /> Stop
            </Button>
          ) : (
            <Button type="submit" disabled={!draft.trim()}>
              <Send aria-hidden /> Send
            </Button>
          )}
        </form>
        {state.error ? <ErrorNote>The reply failed: {state.error}</ErrorNote> : null}
        {state.status !== 'idle' ? <GenerationStats state={state} /> : null}
      </section>
      <SourceDialog source={openSource} onClose={() => setOpenSource(null)} />
      <Dialog open={editing !== null} onOpenChange={(o) => !o && setEditing(null)}>
        {editing ? (
          <DialogContent title="Edit and resend" description="A copy of the conversation up to this message gets the edited message; the original stays.">
            <EditForm initial={editing.content} onSubmit={(t) => void resendEdited(editing, t)} />
          </DialogContent>
        ) : null}
      </Dialog>
      <Dialog open={settingsOpen} onOpenChange={setSettingsOpen}>
        {conv ? (
          <DialogContent title="Conversation settings">
            <ConversationSettings
              conv={conv}
              models={models}
              onSaved={(c) => {
                setConv({ ...c, messages: conv.messages });
                setSettingsOpen(false);
                loadList();
              }}
            />
          </DialogContent>
        ) : null}
      </Dialog>
    </div>
  );
}

function EditForm({ initial, onSubmit }: { initial: string; onSubmit: (text: string) => void }) {
  const [text, setText] = React.useState(initial);
  return (
    <form
      className="flex flex-col gap-3"
      onSubmit={(e) => {
        e.preventDefault();
        if (text.trim()) onSubmit(text.trim());
      }}
    >
      <Label htmlFor="edit-message">Message</Label>
      <Textarea id="edit-message" rows={4} value={text} onChange={(e) => setText(e.target.value)} />
      <Button type="submit">Resend</Button>
    </form>
  );
}

function ConversationSettings({
  conv,
  models,
  onSaved,
}: {
  conv: Conversation;
  models: ReturnType<typeof useModels>['models'];
  onSaved: (c: Conversation) => void;
}) {
  const api = useApi();
  const [model, setModel] = React.useState(conv.model);
  const [system, setSystem] = React.useState(conv.system_prompt ?? '');
  // The conversation's params hold only what the user set; the model's own defaults apply to the rest.
  const [params, setParams] = React.useState<SamplingParams>(() => shortNumbers(conv.params ?? {}));
  const defaults = modelDefaults(models?.find((m) => m.name === model));
  const [error, setError] = React.useState<string | null>(null);
  const [seedProblem, setSeedProblem] = React.useState<string | null>(null);
  return (
    <form
      className="flex flex-col gap-4"
      onSubmit={(e) => {
        e.preventDefault();
        if (seedProblem) return;
        api
          .updateConversation(conv.id, { model, system_prompt: system, params: samplingBody(params) })
          .then(onSaved, (err) => setError(errorText(err)));
      }}
    >
      <ModelPicker id="conv-model" value={model} onChange={setModel} models={models} />
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="conv-system">System prompt</Label>
        <Textarea id="conv-system" rows={3} value={system} onChange={(e) => setSystem(e.target.value)} />
      </div>
      <SamplingControls value={params} onChange={setParams} defaults={defaults} idPrefix="conv" onSeedProblem={setSeedProblem} />
      {error ? <ErrorNote>{error}</ErrorNote> : null}
      <Button type="submit" disabled={seedProblem !== null}>
        Save
      </Button>
    </form>
  );
}

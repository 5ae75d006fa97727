#!/usr/bin/env node
// End-to-end tests of the web UI in real headless Chromium (Debian's
// /usr/bin/chromium through npm playwright-core; no browser is ever
// downloaded) against real `playground serve` processes on free loopback
// ports, each with a temporary data dir and models dir (the demo model, a copy
// under another name, and a slow synthesized model for Stop). Saves a
// screenshot of every page to docs/screenshots/. Never touches the user's
// data dir; removes its temporary files and stops its servers at the end.
//
//   node e2e/run.mjs [path/to/playground]   (default: ../build/playground, or $PLAYGROUND_BIN)
//   E2E_ONLY=chat,documents node e2e/run.mjs   runs some steps only (chat-documents: files in a chat)
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, copyFileSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repo = path.resolve(webDir, '..');
const bin = path.resolve(process.argv[2] ?? process.env.PLAYGROUND_BIN ?? path.join(repo, 'build', 'playground'));
const browserPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const shotsDir = path.join(repo, 'docs', 'screenshots');
const dist = path.join(webDir, 'dist');
const only = process.env.E2E_ONLY ? new Set(process.env.E2E_ONLY.split(',')) : null;

for (const [what, p] of [['playground binary', bin], ['Chromium', browserPath], ['built web UI', path.join(dist, 'index.html')]])
  if (!existsSync(p)) {
    console.error(`e2e: the ${what} is missing at ${p}`);
    process.exit(2);
  }

const started = Date.now();
const tmp = mkdtempSync(path.join(tmpdir(), 'pg-web-e2e-'));
const servers = [];
let browser;

function log(msg) {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${msg}`);
}

// Starts `playground serve` on a free port; resolves with its base URL.
function startServer(name, extra) {
  const dataDir = path.join(tmp, `${name}-data`);
  mkdirSync(dataDir, { recursive: true });
  const args = ['serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, '--web-dir', dist, '--threads', '1',
    '--log-level', 'warn', ...extra];
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  servers.push(proc);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} server did not start in 30 s:\n${output}`)), 30000);
    const onData = (chunk) => {
      output += chunk;
      const m = /listening on (http:\/\/[0-9.]+:\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], dataDir, proc });
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code) => reject(new Error(`${name} server exited with ${code}:\n${output}`)));
  });
}

// The routes of web/src/lib/routes.ts (read as text: entries `{ method: 'GET', path: '/…', optional: true }`).
function routesOfClient() {
  const text = readFileSync(path.join(webDir, 'src', 'lib', 'routes.ts'), 'utf8');
  return [...text.matchAll(/\{ method: '([A-Z]+)', path: '([^']+)'(, optional: true)? \}/g)].map((m) => ({
    method: m[1],
    path: m[2],
    optional: Boolean(m[3]),
  }));
}

function expect(cond, message) {
  if (!cond) throw new Error(message);
}

async function shot(page, name, { fullPage = false } = {}) {
  mkdirSync(shotsDir, { recursive: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(shotsDir, `${name}.png`), fullPage });
}

// The Playground with none of the settings an earlier step left in localStorage (pg.playground).
async function freshPlayground(page, base) {
  const reply = await page.goto(`${base}/`);
  await page.evaluate(() => localStorage.removeItem('pg.playground'));
  await page.reload();
  return reply;
}

// Whether the page scrolls sideways (the document wider than the window).
async function sideways(page) {
  return page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
}

// Chooses an option of a Radix select by its trigger's label.
async function choose(page, label, option) {
  await page.getByLabel(label, { exact: true }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

const results = [];
async function step(name, fn) {
  if (only && !only.has(name)) return;
  const t0 = Date.now();
  try {
    await fn();
    results.push([name, 'ok', Date.now() - t0]);
    log(`ok    ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    results.push([name, 'FAILED', Date.now() - t0]);
    log(`FAIL  ${name}: ${e.stack ?? e}`);
    // What the page showed, for the log reader (not committed).
    const failDir = path.join(webDir, 'e2e', 'out');
    mkdirSync(failDir, { recursive: true });
    for (const [i, p] of (browser?.contexts() ?? []).flatMap((c) => c.pages()).entries())
      await p.screenshot({ path: path.join(failDir, `failed-${name}-${i}.png`), fullPage: true }).catch(() => undefined);
  }
}

try {
  // Models: the demo is the default; "twin" is a copy for Compare; "slow" streams slowly enough to stop.
  const models = path.join(tmp, 'models');
  mkdirSync(models);
  const demo = path.join(repo, 'models', 'demo', 'stories260K.gguf');
  copyFileSync(demo, path.join(models, 'twin.gguf'));
  execFileSync(bin, ['synth', '--dim', '512', '--layers', '8', '--heads', '8', '--ffn', '1408', '--vocab-from', demo, '--type', 'Q8_0',
    '--ctx', '2048', '--threads', '1', path.join(models, 'slow.gguf')], { stdio: 'ignore' });
  log('models written');

  const [open, secured] = await Promise.all([
    startServer('open', ['--models-dir', models, '--auth', 'off', '--slots', '2']),
    (async () => {
      const dataDir = path.join(tmp, 'secured-data');
      mkdirSync(dataDir, { recursive: true });
      execFileSync(bin, ['user', 'add', 'ada', '--role', 'admin', '--password-stdin', '--password-cost', 'min', '--data-dir', dataDir], {
        input: 'lovelace-1815\n',
        stdio: ['pipe', 'ignore', 'inherit'],
      });
      return startServer('secured', ['--auth', 'on', '--slots', '1', '--password-cost', 'min']);
    })(),
  ]);
  log(`servers at ${open.url} (auth off) and ${secured.url} (auth on)`);

  browser = await chromium.launch({ executablePath: browserPath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  const context = await browser.newContext({ viewport: { width: 1360, height: 860 }, colorScheme: 'light' });
  context.setDefaultTimeout(20000);
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  // The server's Content-Security-Policy must not block anything the app does.
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) consoleErrors.push(m.text());
  });

  await step('openapi', async () => {
    // Every route the client uses (web/src/lib/routes.ts) is in the server's /openapi.json.
    const doc = await (await fetch(`${open.url}/openapi.json`)).json();
    const routes = routesOfClient();
    expect(routes.length > 30, `routes.ts lists ${routes.length} routes`);
    const missing = routes.filter((r) => !r.optional && !doc.paths?.[r.path]?.[r.method.toLowerCase()]);
    expect(missing.length === 0, `routes used by the UI but not served: ${missing.map((r) => `${r.method} ${r.path}`).join(', ')}`);
  });

  await step('playground', async () => {
    const reply = await freshPlayground(page, open.url);
    expect(/script-src 'self'/.test(reply.headers()['content-security-policy'] ?? ''), 'the page has a Content-Security-Policy');
    await page.getByRole('heading', { name: 'Playground' }).waitFor();
    await page.getByLabel('Model', { exact: true }).filter({ hasText: 'stories260K' }).waitFor();
    await page.getByLabel('Seed', { exact: true }).fill('42');
    // A value set equal to the default (0.8, via 0.7: typed over itself it would not change) is sent; untouched fields are not.
    for (const t of ['0.7', '0.8']) await page.locator('#p-temperature').fill(t);
    const request = page.waitForRequest((r) => r.url().endsWith('/api/v1/models/generate'));
    await page.getByLabel('Prompt', { exact: true }).press('Control+Enter'); // the keyboard way
    const sent = (await request).postDataJSON();
    expect(sent.temperature === 0.8 && sent.seed === 42 && !('top_p' in sent), `the request's sampling fields: ${JSON.stringify(sent)}`);
    await page.getByTestId('generation-status').filter({ hasText: 'Done' }).waitFor();
    const text = await page.getByTestId('output').innerText();
    expect(text.length > 20, `the output is too short: ${JSON.stringify(text)}`);
    const tps = await page.locator('[data-stat="Tokens/s"]').innerText();
    expect(/^\d/.test(tps), `no tokens/s figure: ${tps}`);
    await shot(page, 'playground');
  });

  await step('playground-state', async () => {
    // Switching pages keeps prompt, settings and output; a reload keeps the settings (not the output).
    await freshPlayground(page, open.url);
    await page.getByLabel('Model', { exact: true }).filter({ hasText: 'stories260K' }).waitFor();
    await choose(page, 'Model', 'twin');
    await page.getByLabel('Prompt', { exact: true }).fill('The little fox');
    await page.getByLabel('System prompt', { exact: true }).fill('Tell a story.');
    await page.locator('#p-temperature').fill('0.3');
    await page.getByLabel('Max tokens', { exact: true }).fill('30');
    await page.getByLabel('Seed', { exact: true }).fill('7');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await page.getByTestId('generation-status').filter({ hasText: 'Done' }).waitFor();
    const text = await page.getByTestId('output').innerText();
    const nav = page.getByRole('navigation', { name: 'Pages' });
    await nav.getByRole('link', { name: 'Chat', exact: true }).click();
    await page.getByLabel('Message', { exact: true }).waitFor();
    await nav.getByRole('link', { name: 'Playground', exact: true }).click();
    await page.getByRole('heading', { name: 'Playground' }).waitFor();
    expect((await page.getByTestId('output').innerText()) === text, 'the output is kept across pages');
    expect((await page.getByLabel('Prompt', { exact: true }).inputValue()) === 'The little fox', 'the prompt is kept across pages');
    expect((await page.getByLabel('Model', { exact: true }).innerText()).includes('twin'), 'the model is kept across pages');
    expect((await page.locator('#p-temperature').inputValue()) === '0.3', 'the temperature is kept across pages');
    await shot(page, 'playground-state');
    await page.reload();
    await page.getByRole('heading', { name: 'Playground' }).waitFor();
    await page.getByLabel('Model', { exact: true }).filter({ hasText: 'twin' }).waitFor();
    const kept = {
      prompt: await page.getByLabel('Prompt', { exact: true }).inputValue(),
      system: await page.getByLabel('System prompt', { exact: true }).inputValue(),
      temperature: await page.locator('#p-temperature').inputValue(),
      max: await page.getByLabel('Max tokens', { exact: true }).inputValue(),
      seed: await page.getByLabel('Seed', { exact: true }).inputValue(),
    };
    expect(JSON.stringify(kept) === JSON.stringify({ prompt: 'The little fox', system: 'Tell a story.', temperature: '0.3', max: '30', seed: '7' }),
      `the settings are remembered across a reload: ${JSON.stringify(kept)}`);
    expect(!(await page.getByTestId('output').innerText()).includes(text), 'the output is not remembered');
  });

  await step('seed', async () => {
    // The seed the UI shows, typed back into the seed field, gives the same text. Seeds go up to
    // 2^53 - 1 (exact as JavaScript numbers); a larger one is never shown with wrong digits.
    await freshPlayground(page, open.url);
    await page.getByLabel('Model', { exact: true }).filter({ hasText: 'stories260K' }).waitFor();
    await page.getByLabel('Max tokens', { exact: true }).fill('40');
    const generate = page.getByRole('button', { name: 'Generate', exact: true });
    // Generates; returns the seed the UI shows (null when it says it cannot) and the text.
    const run = async (seedField) => {
      await page.getByLabel('Seed', { exact: true }).fill(seedField);
      const request = page.waitForRequest((r) => r.url().endsWith('/api/v1/models/generate'));
      await generate.click();
      const body = (await request).postData();
      if (seedField) expect(new RegExp(`"seed":${seedField}[,}]`).test(body), `the seed is sent digit for digit: ${body}`);
      else expect(!/"seed"/.test(body), `no seed sent for a random one: ${body}`);
      const status = page.getByTestId('generation-status').filter({ hasText: 'Done' });
      await status.waitFor();
      const said = await status.innerText();
      const seed = /\(seed (\d+)\)/.exec(said)?.[1] ?? null;
      expect(seed !== null || /seed not shown/.test(said), `the seed is shown, or said not to be exact: ${said}`);
      return { seed, text: await page.getByTestId('output').innerText() };
    };
    const random = await run('');
    if (random.seed === null) log('      note: this server drew a random seed above 2^53 - 1; the UI said so instead of showing wrong digits');
    else {
      const again = await run(random.seed);
      expect(again.text === random.text, `the shown seed ${random.seed} reproduces the text: ${JSON.stringify(random.text)} then ${JSON.stringify(again.text)}`);
    }
    // The largest seed: shown digit for digit and reproducing.
    const top = await run('9007199254740991');
    expect(top.seed === '9007199254740991', `the largest seed comes back exact: ${top.seed}`);
    const topAgain = await run(top.seed);
    expect(topAgain.text === top.text, 'the largest seed, copied from the UI, reproduces the text');
    await shot(page, 'playground-seed', { fullPage: true });  // the seed is shown under the output
    // A seed above 2^53 - 1 is flagged and not sent.
    await page.getByLabel('Seed', { exact: true }).fill('9007199254740992');
    await page.getByTestId('seed-problem').waitFor();
    expect(await generate.isDisabled(), 'a seed above 2^53 - 1 holds Generate back');
  });

  await step('stop', async () => {
    await freshPlayground(page, open.url);
    await choose(page, 'Model', 'slow');
    await page.getByLabel('Max tokens', { exact: true }).fill('1900');
    await page.getByLabel('Ignore end of text', { exact: true }).click();
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    const output = page.getByTestId('output');
    await page.waitForFunction(() => (document.querySelector('[data-testid="output"]')?.textContent ?? '').length > 10);
    // No layout jumps while streaming: the output box and the figures keep their place and size.
    const boxes = async () => JSON.stringify([await output.boundingBox(), await page.getByTestId('generation-stats').boundingBox()]);
    const early = await boxes();
    await page.waitForFunction(() => (document.querySelector('[data-testid="output"]')?.textContent ?? '').length > 200);
    const later = await boxes();
    expect(early === later, `the layout moved while streaming: ${early} then ${later}`);
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByTestId('generation-status').filter({ hasText: 'Stopped.' }).waitFor();
    const finish = await page.locator('[data-stat="Finish"]').innerText();
    expect(finish === 'cancelled', `finish reason after Stop: ${finish}`);
    const outTokens = Number(await page.locator('[data-stat="Output"]').innerText());
    expect(outTokens > 0 && outTokens < 1900, `stopped after ${outTokens} tokens`);
    expect((await output.innerText()).length > 200, 'the text so far is kept');
    // The server is free again: nothing is left generating.
    const slots = await (await fetch(`${open.url}/api/v1/slots`)).json();
    const busy = slots.models.flatMap((m) => m.slots).filter((s) => s.state !== 'idle');
    expect(busy.length === 0, `slots still busy after Stop: ${JSON.stringify(busy)}`);
  });

  await step('structured', async () => {
    // The token view: coloured tokens with a legend, the popover with the alternatives on hover;
    // JSON-schema mode: a broken schema is held back, a valid one gives a reply that parses.
    await freshPlayground(page, open.url);
    await page.getByLabel('Model', { exact: true }).filter({ hasText: 'stories260K' }).waitFor();
    await page.getByLabel('Max tokens', { exact: true }).fill('40');
    await page.getByLabel('Seed', { exact: true }).fill('42');
    await page.getByRole('switch', { name: 'Show token probabilities' }).click();
    const generate = page.getByRole('button', { name: 'Generate', exact: true });
    const request = page.waitForRequest((r) => r.url().endsWith('/api/v1/models/generate'));
    await generate.click();
    const sent = (await request).postDataJSON();
    expect(sent.logprobs === true && sent.top_logprobs === 5, `logprobs fields: ${JSON.stringify(sent)}`);
    await page.getByTestId('generation-status').filter({ hasText: 'Done' }).waitFor();
    const tokens = page.getByTestId('token');
    expect((await tokens.count()) > 10, 'the reply shows as tokens');
    const colours = await tokens.evaluateAll((els) => els.map((e) => getComputedStyle(e).backgroundColor));
    expect(colours.every((c) => /^rgba?\(/.test(c) && c !== 'rgba(0, 0, 0, 0)'), `every token is coloured: ${colours.join(' ')}`);
    expect(new Set(colours).size > 1, 'likely and unlikely tokens differ in colour');
    await page.getByTestId('token-legend').waitFor();
    await tokens.nth(3).hover();
    const tip = page.getByRole('tooltip');
    await tip.waitFor();
    expect(/\d%/.test(await tip.innerText()), `the popover gives a probability: ${await tip.innerText()}`);
    expect((await page.getByTestId('token-alternatives').locator('li').count()) >= 2, 'the popover lists the alternatives');
    // The keyboard way: focus the tokens, move with the arrow keys.
    await page.mouse.move(0, 0);
    await tip.waitFor({ state: 'detached' });
    await page.getByTestId('token-view').focus();
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
    await tip.filter({ hasText: 'Top alternatives' }).waitFor();
    await shot(page, 'playground-tokens');
    await page.getByTestId('token-view').press('Escape');

    await choose(page, 'Output format', 'JSON schema');
    const editor = page.getByLabel('JSON Schema', { exact: true });
    await editor.fill('{"type": "object", "properties": {"ok": {"type": "boolean"}},}');
    await page.getByTestId('schema-error').filter({ hasText: 'Not valid JSON' }).waitFor();
    expect(await generate.isDisabled(), 'a broken schema is not sent');
    await editor.fill('{"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}');
    await page.getByTestId('schema-ok').waitFor();
    const request2 = page.waitForRequest((r) => r.url().endsWith('/api/v1/models/generate'));
    await generate.click();
    const sent2 = (await request2).postDataJSON();
    expect(sent2.response_format?.type === 'json_schema' && sent2.response_format.json_schema.strict === true, `response_format: ${JSON.stringify(sent2)}`);
    await page.getByTestId('generation-status').filter({ hasText: 'Done' }).waitFor();
    const text = await page.getByTestId('output').innerText();
    let reply;
    try {
      reply = JSON.parse(text);
    } catch {
      throw new Error(`the reply is not JSON: ${JSON.stringify(text)}`);
    }
    expect(typeof reply.ok === 'boolean', `the reply follows the schema: ${text}`);

    // Tokens show while the reply streams (the slow model), not only at the end.
    await choose(page, 'Output format', 'Off');
    await choose(page, 'Model', 'slow');
    await page.getByLabel('Max tokens', { exact: true }).fill('400');
    await generate.click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="token"]').length >= 5);
    expect(await page.getByRole('button', { name: 'Stop' }).isVisible(), 'tokens appear while streaming');
    await page.getByRole('button', { name: 'Stop' }).click({ timeout: 2000 }).catch(() => undefined); // it may have just ended
    await page.getByTestId('generation-status').filter({ hasText: /Stopped\.|Done/ }).waitFor();
  });

  await step('tools', async () => {
    // A forced call (tool_choice names the function): the call shows with its arguments; a typed result
    // and Continue send the history with the call and a `tool` message, and the next reply shows.
    // The demo model's context is 512 tokens and the tools take about 400 of them: one tiny function,
    // and the reply after the result goes without the tools.
    await freshPlayground(page, open.url);
    await page.getByLabel('Model', { exact: true }).filter({ hasText: 'stories260K' }).waitFor();
    await page.getByLabel('Prompt', { exact: true }).fill('Hi');
    await page.getByLabel('Max tokens', { exact: true }).fill('70');
    await page.getByLabel('Seed', { exact: true }).fill('3');
    await page.getByRole('button', { name: 'Add function' }).click();
    await page.getByLabel('Function name', { exact: true }).fill('f');
    await page.getByLabel('Description', { exact: true }).fill('');
    await page.getByLabel('Parameters (JSON Schema)', { exact: true }).fill('{"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}');
    await choose(page, 'Tool choice', 'Call f');
    const first = page.waitForRequest((r) => r.url().endsWith('/api/v1/chat'));
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    const sent = (await first).postDataJSON();
    expect(sent.tool_choice?.function?.name === 'f' && sent.tools?.length === 1 && sent.messages?.[0]?.content === 'Hi', `the request: ${JSON.stringify(sent)}`);
    await page.getByTestId('tool-call').filter({ hasText: 'f' }).waitFor();
    const argsText = await page.getByTestId('tool-call-arguments').innerText();
    const args = JSON.parse(argsText);
    expect(typeof args.city === 'string', `the call's arguments follow the parameters: ${argsText}`);
    await page.getByLabel('Result of f', { exact: true }).fill('Sunny, 21 C');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(shotsDir, 'playground-tools.png'), fullPage: true });
    await page.getByRole('switch', { name: 'Offer the tools again' }).click();
    const next = page.waitForRequest((r) => r.url().endsWith('/api/v1/chat'));
    await page.getByRole('button', { name: 'Continue' }).click();
    const body = (await next).postDataJSON();
    const [user, assistant, tool] = body.messages ?? [];
    expect(
      body.messages?.length === 3 && user.content === 'Hi' && assistant.role === 'assistant' && assistant.tool_calls?.[0]?.function?.name === 'f' &&
        tool.role === 'tool' && tool.content === 'Sunny, 21 C' && tool.tool_call_id === assistant.tool_calls[0].id && !('tools' in body),
      `the history sent: ${JSON.stringify(body)}`,
    );
    await page.getByTestId('tool-steps').filter({ hasText: 'Sunny, 21 C' }).waitFor();
    await page.getByTestId('tool-calls').waitFor({ state: 'detached' });
    await page.getByTestId('generation-status').filter({ hasText: 'Done' }).waitFor();
    const reply = await page.getByTestId('output').innerText();
    expect(reply.trim().length > 0, 'the next reply shows');
  });

  await step('chat', async () => {
    await page.goto(`${open.url}/chat`);
    const input = page.getByLabel('Message', { exact: true });
    await input.fill('Tell me about a cat.');
    await input.press('Enter');
    await page.waitForURL(/\/chat\/conv-/);
    const replies = page.locator('[data-testid="messages"] li[data-role="assistant"]:not([data-streaming])');
    await replies.first().waitFor();
    await input.fill('And then what happened?');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="messages"] li[data-role="assistant"]:not([data-streaming])').length === 2,
    );
    const url = page.url();
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="messages"] li[data-role]').length === 4);
    expect(page.url() === url, 'the conversation URL survives a reload');
    await page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: 'Tell me about a cat.', exact: true }).waitFor();
    expect((await page.locator('li[data-role="user"]').first().innerText()).includes('Tell me about a cat.'), 'first user message');
    await page.getByTestId('context-budget').filter({ hasText: '/ 512 tokens' }).waitFor();
    await shot(page, 'chat');
  });

  await step('chat-manage', async () => {
    // Export, rename, edit and resend (a copy), delete — on the conversation of the chat step.
    await page.goto(`${open.url}/chat`);
    const list = page.getByRole('navigation', { name: 'Conversations' });
    await list.getByRole('button', { name: 'Tell me about a cat.', exact: true }).click();
    await page.waitForURL(/\/chat\/conv-/);
    await page.locator('li[data-role="assistant"]').first().waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Markdown' }).click()]);
    expect(/\.md$/.test(download.suggestedFilename()), `export file name: ${download.suggestedFilename()}`);
    await list.getByRole('button', { name: 'Rename Tell me about a cat.' }).click();
    await page.getByLabel('New title').fill('Cat stories');
    await page.getByRole('button', { name: 'Save title' }).click();
    await list.getByRole('button', { name: 'Cat stories', exact: true }).waitFor();
    const before = page.url();
    await page.getByRole('button', { name: 'Edit and resend this message' }).first().click();
    await page.getByLabel('Message', { exact: true }).last().waitFor();
    await page.getByRole('dialog').getByLabel('Message').fill('Tell me about a dog.');
    await page.getByRole('button', { name: 'Resend' }).click();
    await page.waitForURL((u) => u.toString() !== before && /\/chat\/conv-/.test(u.toString()));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="messages"] li[data-role="assistant"]:not([data-streaming])').length === 1);
    expect((await page.locator('li[data-role="user"]').first().innerText()).includes('Tell me about a dog.'), 'the edited message was sent');
    await list.getByRole('button', { name: 'Cat stories (edited)', exact: true }).waitFor();
    page.once('dialog', (d) => d.accept());
    await list.getByRole('button', { name: 'Delete Cat stories (edited)' }).click();
    await list.getByRole('button', { name: 'Cat stories (edited)', exact: true }).waitFor({ state: 'detached' });
    await page.waitForURL(/\/chat$/);
  });

  await step('compare', async () => {
    await page.goto(`${open.url}/compare`);
    await choose(page, 'Model 1', 'stories260K (default)');
    await choose(page, 'Model 2', 'twin');
    await page.getByRole('button', { name: 'Add a model' }).click();
    // More than the models' 512-token context: each request is capped at it.
    await page.getByLabel('Max tokens', { exact: true }).fill('4096');
    const sent = [];
    const onRequest = (r) => r.url().endsWith('/api/v1/models/generate') && sent.push(r.postDataJSON());
    page.on('request', onRequest);
    await page.getByRole('button', { name: /Run on 3 models/ }).click();
    for (const i of [0, 1, 2]) {
      const col = page.getByTestId(`compare-column-${i}`);
      await col.locator('[data-stat="Finish"]').filter({ hasText: /^(length|stop)$/ }).waitFor({ timeout: 60000 });
      expect((await col.getByTestId('compare-output').innerText()).length > 10, `column ${i} has text`);
      expect(/^\d/.test(await col.locator('[data-stat="Tokens/s"]').innerText()), `column ${i} has tokens/s`);
    }
    page.off('request', onRequest);
    expect(sent.length === 3 && sent.every((b) => b.max_tokens === 512), `max_tokens capped at the context: ${JSON.stringify(sent.map((b) => b.max_tokens))}`);
    // With 3 models side by side no figure is cut off: every label and value fits its cell.
    const cut = await page.evaluate(() =>
      [...document.querySelectorAll('[data-testid="generation-stats"] dt, [data-testid="generation-stats"] dd')]
        .filter((e) => e.scrollWidth > e.clientWidth + 1)
        .map((e) => e.textContent),
    );
    expect(cut.length === 0, `figures cut off with 3 models: ${JSON.stringify(cut)}`);
    // Same seed and the same weights: the columns agree.
    const [a, b, c] = await page.getByTestId('compare-output').allInnerTexts();
    expect(a === b && b === c, 'a model and its copies give the same text with the same seed');
    await shot(page, 'compare');
  });

  await step('models', async () => {
    await page.goto(`${open.url}/models`);
    await page.getByTestId('model-row').first().waitFor();
    const rows = await page.getByTestId('model-row').allInnerTexts();
    expect(rows.length === 3, `3 models listed, got ${rows.length}`);
    expect(rows.some((r) => r.includes('stories260K') && r.includes('llama')), 'the default model shows its metadata');
    await page.getByTestId('server-memory').waitFor();
    // Model management: unload a model that is not the default and load it again.
    const index = rows.findIndex((r) => !r.includes('default'));
    expect(index >= 0, 'a model besides the default is listed');
    const row = page.getByTestId('model-row').nth(index);
    const load = row.getByRole('button', { name: 'Load', exact: true });
    const unload = row.getByRole('button', { name: 'Unload', exact: true });
    if (await unload.isVisible()) {
      await unload.click();
      await load.waitFor();
    }
    await load.click();
    await unload.waitFor({ timeout: 30000 });
    expect((await row.innerText()).includes('loaded'), 'the row says the model is loaded');
    await shot(page, 'models');
    await unload.click();
    await load.waitFor({ timeout: 30000 });
    // A model's details before loading: metadata and whether it fits at a chosen context.
    await row.getByRole('button', { name: /^Details of / }).click();
    const details = page.getByTestId('model-details');
    await details.waitFor();
    const verdict = page.getByTestId('fit-verdict');
    expect(/^Fits/.test(await verdict.innerText()), `the tiny model fits: ${await verdict.innerText()}`);
    const ctx = details.getByLabel('Context per slot');
    await ctx.fill('16777216');
    await page.waitForFunction(() => /16777216 tokens/.test(document.querySelector('[data-testid=memory-breakdown]')?.textContent ?? ''));
    expect(/Does not fit/.test(await verdict.innerText()), `16M tokens of KV cache do not fit: ${await verdict.innerText()}`);
    await ctx.fill('256');
    await page.waitForFunction(() => /At 256 tokens/.test(document.querySelector('[data-testid=memory-breakdown]')?.textContent ?? ''));
    await shot(page, 'models-details');
  });

  await step('documents', async () => {
    const doc = path.join(tmp, 'lighthouse.md');
    writeFileSync(
      doc,
      '# The lighthouse keeper\n\nThe lighthouse on Gull Rock was kept by Marta Quill for forty years. ' +
        'Every evening she lit the great lamp at dusk and wound the clockwork that turned the lens.\n\n' +
        '## The storm\n\nIn the winter storm of 1921 the lamp failed, and Marta kept a lantern burning in the window ' +
        'all night so that the fishing boats could find the harbour.\n',
    );
    await page.goto(`${open.url}/documents`);
    await page.getByLabel('New collection').fill('e2e-lighthouse');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/\/documents\/\d+/);
    await page.getByTestId('file-input').setInputFiles(doc);
    await page.locator('[data-testid="document-row"][data-status="indexed"]').waitFor({ timeout: 60000 });
    // Drag and drop of several files: each has its own row; an empty one is refused with the server's reason.
    const dropped = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['The harbour master, Tomas Reed, rang the bell at noon every day.\n'], 'harbour.txt', { type: 'text/plain' }));
      dt.items.add(new File([''], 'empty.txt', { type: 'text/plain' }));
      return dt;
    });
    await page.getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer: dropped });
    await page.getByTestId('upload-row').filter({ hasText: 'empty.txt' }).filter({ hasText: 'empty_file' }).waitFor();
    await page.locator('[data-testid="document-row"][data-status="indexed"]').nth(1).waitFor({ timeout: 60000 });
    expect((await page.getByTestId('document-row').count()) === 2, 'two documents after the drop (the empty file refused)');
    await page.getByLabel('Question').fill('Who kept the lighthouse on Gull Rock?');
    await page.getByRole('button', { name: 'Ask' }).click();
    await page.getByTestId('source').first().waitFor();
    await page.getByRole('button', { name: 'Ask' }).waitFor(); // the answer is complete
    await page.getByTestId('retrieval').locator('summary').click();
    await page.getByTestId('retrieval').getByRole('row').nth(1).waitFor();
    expect(/lighthouse\.md/.test(await page.getByTestId('retrieval').innerText()), 'retrieval scores per chunk are listed');
    expect((await page.getByTestId('rag-answer').innerText()).length > 0, 'an answer is shown');
    // The chunks retrieved but left out are listed, each with a reason, as many as the API reports.
    const direct = await (await fetch(`${open.url}/api/v1/rag/query`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ collection: 'e2e-lighthouse', question: 'Who kept the lighthouse on Gull Rock?', top_k: 5, params: { max_tokens: 200 } }),
    })).json();
    const shownDropped = await page.getByTestId('dropped-chunk').count();
    expect(shownDropped === (direct.dropped ?? []).length, `chunks left out: the UI lists ${shownDropped}, the API reports ${(direct.dropped ?? []).length}`);
    const reasons = await page.getByTestId('dropped-reason').allInnerTexts();
    expect(reasons.every((r) => /^Left out: \S/.test(r)), `each left-out chunk has a reason: ${JSON.stringify(reasons)}`);
    const cutSources = (direct.sources ?? []).filter((x) => x.truncated).length;
    expect((await page.getByTestId('source-truncated').count()) === cutSources, 'a source cut to fit is marked');
    await shot(page, 'documents');
    // A citation when the model wrote one, else the first source: it opens the chunk with document and page.
    const target = (await page.getByTestId('citation').count()) ? page.getByTestId('citation').first() : page.getByTestId('source').first();
    await target.click();
    const location = await page.getByTestId('chunk-location').innerText();
    expect(location.includes('lighthouse.md') && /page/.test(location), `the chunk shows document and page: ${location}`);
    await page.getByTestId('chunk-text').filter({ hasText: 'Marta' }).waitFor();
    await shot(page, 'documents-source');
    await page.keyboard.press('Escape');
  });

  await step('chat-documents', async () => {
    // A collection made through the API, attached in the UI; files picked and dropped into a new chat.
    const made = await fetch(`${open.url}/api/v1/collections`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'e2e-chat-library' }),
    });
    expect(made.ok, `collection created: ${made.status}`);
    const library = await made.json();
    const notes = path.join(tmp, 'keeper-notes.txt');
    writeFileSync(notes, 'Marta Quill kept the Gull Rock lighthouse log in a green notebook.\n');
    await page.goto(`${open.url}/chat`);
    await page.getByTestId('chat-file-input').setInputFiles(notes);
    await page.waitForURL(/\/chat\/[^/]+$/);
    const convId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
    await page.locator('[data-testid="chat-job"][data-finished="true"]').first().waitFor({ timeout: 60000 });
    expect((await page.getByTestId('chat-job').first().getAttribute('data-status')) !== 'failed', 'the picked file was ingested');
    await page.getByRole('button', { name: /^Documents: files of this chat$/ }).waitFor();
    // Attach the collection made through the API.
    await page.getByTestId('chat-documents').click();
    await page.getByRole('dialog').getByRole('checkbox', { name: /e2e-chat-library/ }).check();
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await page.getByRole('button', { name: 'Documents: files of this chat, e2e-chat-library' }).waitFor();
    await page.getByTestId('attached-collections').filter({ hasText: 'Answers from: files of this chat, e2e-chat-library' }).waitFor();
    // A real drop event: the drop target shows while dragging, then the file uploads and is ingested.
    const dropped = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['The lamp of Gull Rock burned paraffin until 1950.\n'], 'lamp.txt', { type: 'text/plain' }));
      return dt;
    });
    await page.getByTestId('chat-drop').dispatchEvent('dragover', { dataTransfer: dropped });
    await page.getByTestId('chat-drop-target').waitFor();
    await page.getByTestId('chat-drop').dispatchEvent('drop', { dataTransfer: dropped });
    await page.getByTestId('upload-row').filter({ hasText: 'lamp.txt' }).filter({ hasText: 'uploaded' }).waitFor();
    await page.locator('[data-testid="chat-job"][data-finished="true"]').nth(1).waitFor({ timeout: 60000 });
    const conv = await (await fetch(`${open.url}/api/v1/conversations/${encodeURIComponent(convId)}`)).json();
    const names = (conv.collections ?? []).map((c) => c.name);
    expect(conv.own_collection_id !== null && names.length === 2 && names.includes('e2e-chat-library') && conv.collections[0].id === conv.own_collection_id,
      `the conversation has its own collection and the attached one: ${JSON.stringify(conv.collections)}`);
    const own = await (await fetch(`${open.url}/api/v1/collections/${conv.own_collection_id}/documents`)).json();
    const files = (own.documents ?? []).map((d) => d.file_name).sort();
    expect(JSON.stringify(files) === JSON.stringify(['keeper-notes.txt', 'lamp.txt']), `both files in the chat's collection: ${JSON.stringify(files)}`);
    expect(library.id !== conv.own_collection_id, 'the attached collection is not the chat\'s own');
    // A question is answered from the attached documents: the reply lists its sources, and one opens its chunk.
    // The demo model answers, with a short reply: its 512-token context must leave room for a source
    // (earlier steps leave other models and a max_tokens of 256 remembered for new chats).
    const pinned = await fetch(`${open.url}/api/v1/conversations/${encodeURIComponent(convId)}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'stories260K', params: { max_tokens: 48 } }),
    });
    expect(pinned.ok, `conversation model set: ${pinned.status}`);
    await page.reload();
    const input = page.getByLabel('Message', { exact: true });
    await input.fill('Who kept the Gull Rock lighthouse log?');
    await input.press('Enter');
    const source = page.getByTestId('reply-source').first();
    await source.waitFor({ timeout: 60000 });
    await source.click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('source-title').waitFor();
    // The sources come with the stream's start, so the passage may open while the reply streams;
    // it stays open when the stored reply takes the streamed one's place.
    await page.locator('li[data-streaming="true"]').waitFor({ state: 'detached', timeout: 60000 });
    expect((await dialog.getByTestId('source-title').innerText()).includes('keeper-notes.txt'),
      `the best source is the notes: ${await dialog.getByTestId('source-title').innerText()}`);
    expect((await dialog.getByTestId('source-text').innerText()).includes('Marta Quill'), 'the chunk text is shown');
    const stored = await (await fetch(`${open.url}/api/v1/conversations/${encodeURIComponent(convId)}`)).json();
    const reply = stored.messages.at(-1);
    expect(reply.role === 'assistant' && reply.sources?.[0]?.document === 'keeper-notes.txt',
      `the stored reply keeps its sources: ${JSON.stringify(reply.sources)}`);
    await shot(page, 'chat-documents');
    await page.keyboard.press('Escape');
    // A citation in the reply's text opens its chunk. The demo model writes no [1] by itself, so a
    // conversation made through the API (the chat's files attached, the demo model pinned) gets a
    // reply a grammar holds to "… [1].", then is opened in the UI.
    const cited = await (await fetch(`${open.url}/api/v1/conversations`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: 'e2e-cited', model: 'stories260K', params: { max_tokens: 48 }, collections: [conv.own_collection_id] }),
    })).json();
    expect((cited.collections ?? []).map((c) => c.id).join() === String(conv.own_collection_id), `the chat's files attached: ${JSON.stringify(cited.collections)}`);
    const asked = await fetch(`${open.url}/api/v1/conversations/${encodeURIComponent(cited.id)}/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ content: 'Who kept the Gull Rock lighthouse log?', grammar: 'root ::= "Marta Quill keeps the light [1]."' }),
    });
    const answered = await asked.json();
    expect(asked.ok && answered.reply?.content === 'Marta Quill keeps the light [1].' && answered.reply?.sources?.[0]?.document === 'keeper-notes.txt',
      `the reply cites its first source, the notes: ${asked.status} ${JSON.stringify(answered.reply ?? answered)}`);
    await page.goto(`${open.url}/chat/${encodeURIComponent(cited.id)}`);
    const citedReply = page.locator('li[data-role="assistant"]').filter({ hasText: 'Marta Quill keeps the light' });
    await citedReply.getByTestId('citation').first().click();
    const chunk = page.getByRole('dialog');
    await chunk.getByTestId('source-title').waitFor();
    const chunkTitle = await chunk.getByTestId('source-title').innerText();
    expect(chunkTitle.includes('[1]') && chunkTitle.includes('keeper-notes.txt'), `the citation opens the notes: ${chunkTitle}`);
    expect((await chunk.getByTestId('source-text').innerText()).includes('Marta Quill kept the Gull Rock lighthouse log'), 'the cited chunk\'s text is shown');
    await shot(page, 'chat-citation');
    await page.keyboard.press('Escape');
  });

  await step('theme', async () => {
    await freshPlayground(page, open.url);
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    expect(await page.evaluate(() => document.documentElement.classList.contains('dark')), 'dark class set');
    await page.reload();
    expect(await page.evaluate(() => document.documentElement.classList.contains('dark')), 'dark theme remembered');
    await page.getByRole('heading', { name: 'Playground' }).waitFor();
    await page.getByLabel('Model', { exact: true }).filter({ hasText: 'stories260K' }).waitFor();
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await page.getByTestId('generation-status').filter({ hasText: 'Done' }).waitFor();
    await shot(page, 'playground-dark');
    await page.getByRole('button', { name: 'Switch to light theme' }).click();
  });

  await step('mobile', async () => {
    // A phone (390 px): one column, a menu button, and no page scrolls sideways — with a long
    // conversation title, a long unbroken word in a message and a long file name.
    const J = async (method, route, body) =>
      (await fetch(`${open.url}${route}`, { method, headers: { 'Content-Type': 'application/json' }, body: body && JSON.stringify(body) })).json();
    const conv = await J('POST', '/api/v1/conversations', { title: 'Tell me a long story about the lighthouse keeper and her cat' });
    await J('POST', `/api/v1/conversations/${conv.id}/messages`, { role: 'user', content: `See https://example.com/${'a-very-long-path-segment'.repeat(4)} please.`, reply: false });
    const col = await J('POST', '/api/v1/collections', { name: 'e2e-phone' });
    const form = new FormData();
    form.append('files', new Blob(['# Notes\n\nThe harbour bell rang at noon.\n'], { type: 'text/markdown' }), 'quarterly-harbour-maintenance-report-2026.md');
    await fetch(`${open.url}/api/v1/collections/${col.id}/documents`, { method: 'POST', body: form });
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const p3 = await phone.newPage();
    const pages = [
      ['/', () => p3.getByRole('heading', { name: 'Playground' })],
      ['/chat', () => p3.getByLabel('Message', { exact: true })],
      [`/chat/${conv.id}`, () => p3.locator('li[data-role="user"]')],
      ['/compare', () => p3.getByTestId('compare-column-1')],
      ['/models', () => p3.getByTestId('model-row').first()],
      ['/documents', () => p3.getByRole('heading', { name: 'Documents' })],
      [`/documents/${col.id}`, () => p3.getByTestId('document-row')],
      ['/keys', () => p3.getByRole('heading', { name: 'API keys' })],
      ['/login', () => p3.getByTestId('auth-off')],
      ['/no/such/page', () => p3.getByTestId('not-found')],
    ];
    const wide = [];
    let unreadable = null;
    const missing = [];
    for (const [route, ready] of pages) {
      await p3.goto(`${open.url}${route}`);
      // A page that never shows what is awaited is still measured, and reported below.
      if (!(await ready().first().waitFor({ timeout: 15000 }).then(() => true, () => false))) missing.push(route);
      await p3.waitForTimeout(200); // late layout (fonts, lists)
      const { scroll, client } = await sideways(p3);
      if (scroll > client) wide.push(`${route}: ${scroll} px wide in ${client}`);
      if (route === `/chat/${conv.id}`) await shot(p3, 'mobile-chat');
      if (route === '/models') await shot(p3, 'mobile-models');
      if (route === `/documents/${col.id}` && !missing.includes(route)) {
        // The file name stays readable: wrapped, whole, at least a few words wide.
        await p3.locator('[data-testid="document-row"][data-status="indexed"]').waitFor({ timeout: 60000 });
        const name = p3.getByTestId('document-row').first().locator('button').first();
        const box = await name.evaluate((e) => ({ width: e.clientWidth, clipped: e.scrollWidth > e.clientWidth + 1, title: e.title, text: e.textContent }));
        if (!(box.width > 150 && !box.clipped && box.title === 'quarterly-harbour-maintenance-report-2026.md')) unreadable = `the file name is not readable on a phone: ${JSON.stringify(box)}`;
        await name.scrollIntoViewIfNeeded();
        await p3.screenshot({ path: path.join(shotsDir, 'mobile-documents.png') });
      }
    }
    expect(wide.length === 0, `pages that scroll sideways on a phone: ${wide.join('; ')}`);
    expect(unreadable === null, unreadable);
    expect(missing.length === 0, `pages that did not show as expected on a phone: ${missing.join(', ')}`);
    await p3.goto(`${open.url}/chat`);
    await p3.getByRole('button', { name: 'Menu' }).click();
    await p3.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Documents' }).click();
    await p3.waitForURL(/\/documents$/);
    await p3.getByRole('heading', { name: 'Documents' }).waitFor();
    await phone.close();
  });

  await step('not-found', async () => {
    // An unknown URL shows a not-found page; /login with auth off says so instead of asking for an account.
    await page.goto(`${open.url}/no/such/page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    expect((await page.getByTestId('not-found').innerText()).includes('/no/such/page'), 'the not-found page names the path');
    expect((await page.getByRole('heading', { name: 'Playground' }).count()) === 0, 'not the Playground');
    await shot(page, 'not-found');
    await page.goto(`${open.url}/login`);
    await page.getByTestId('auth-off').filter({ hasText: 'Authentication is off' }).waitFor();
    expect((await page.getByText('This server requires an account.').count()) === 0, 'no account asked for with auth off');
    await page.getByRole('link', { name: 'Go to the app' }).click();
    await page.getByRole('heading', { name: 'Playground' }).waitFor();
  });

  await step('login', async () => {
    const ctx2 = await browser.newContext({ viewport: { width: 1360, height: 860 } });
    const p2 = await ctx2.newPage();
    await p2.goto(`${secured.url}/chat`);
    await p2.waitForURL(/\/login$/);
    await p2.getByLabel('User name').fill('ada');
    await p2.getByLabel('Password').fill('wrong-password');
    await p2.getByRole('button', { name: 'Log in' }).click();
    await p2.getByRole('alert').filter({ hasText: 'invalid_credentials' }).waitFor();
    await p2.getByLabel('Password').fill('lovelace-1815');
    await shot(p2, 'login');
    await p2.getByRole('button', { name: 'Log in' }).click();
    await p2.waitForURL(/\/chat$/);
    await p2.getByTestId('current-user').filter({ hasText: 'ada' }).waitFor();
    await p2.goto(`${secured.url}/keys`);
    await p2.getByLabel('Name', { exact: true }).fill('laptop');
    await p2.getByRole('button', { name: 'Create' }).click();
    const key = await p2.getByTestId('new-key').innerText();
    expect(/^pgk_[0-9a-f]{64}$/.test(key), `a new key is shown: ${key}`);
    await p2.getByTestId('key-row').first().waitFor();
    await shot(p2, 'keys');
    // The key works against the API; logging out sends the user back to login.
    const r = await fetch(`${secured.url}/api/v1/models`, { headers: { Authorization: `Bearer ${key}` } });
    expect(r.status === 200, `the new key is accepted: ${r.status}`);
    await p2.getByRole('button', { name: 'Log out' }).click();
    await p2.waitForURL(/\/login$/);
    await ctx2.close();
  });

  expect(consoleErrors.length === 0, `uncaught page errors: ${consoleErrors.join('\n')}`);
} catch (e) {
  results.push(['setup', 'FAILED', 0]);
  log(`FAIL  ${e.stack ?? e}`);
} finally {
  await browser?.close().catch(() => undefined);
  for (const s of servers) s.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  rmSync(tmp, { recursive: true, force: true });
}

const failed = results.filter(([, s]) => s !== 'ok');
log(`${results.length - failed.length} passed, ${failed.length} failed, ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
process.exit(failed.length ? 1 : 0);

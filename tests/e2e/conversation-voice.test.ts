// Voice conversation on the demo page, end to end in Chromium against a real server: Chromium's fake microphone
// plays a question spoken by Debian's flite, the page streams it (echo cancellation on, resampled to 16 kHz)
// into the voice channel of a server session of the built-in `assistant` project, and the page must show what
// was heard, the question and the FAQ's answer in the history, and play the answer in the server stream with
// its sound on. Also: a typed question (the "Ask" box) is answered the same way.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../integration/harness.js';
import { artefactPath, launchChromium } from './chromium.js';
import { buildWebPages } from './web-pages.js';

const QUESTION = 'What can you do?';
const QUESTION_WORDS = ['what', 'can', 'you', 'do'];
const RATE = 16_000;

let server: TestServer;
let browser: Browser;
let workDir: string;

/** The s16 mono samples of a 16 kHz WAV file, checked to be that format. */
function readWav(file: Buffer): Int16Array {
  if (file.toString('ascii', 0, 4) !== 'RIFF' || file.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a WAV file');
  }
  let format: { channels: number; rate: number; bits: number } | undefined;
  for (let at = 12; at + 8 <= file.length;) {
    const id = file.toString('ascii', at, at + 4);
    const size = file.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      format = {
        channels: file.readUInt16LE(body + 2),
        rate: file.readUInt32LE(body + 4),
        bits: file.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (format?.channels !== 1 || format.rate !== RATE || format.bits !== 16) {
        throw new Error(`expected 16 kHz mono s16, got ${JSON.stringify(format)}`);
      }
      const end = Math.min(file.length, body + size);
      const samples = new Int16Array((end - body) >> 1);
      for (let i = 0; i < samples.length; i++) samples[i] = file.readInt16LE(body + i * 2);
      return samples;
    }
    at = body + size + (size & 1);
  }
  throw new Error('WAV file without a data chunk');
}

/** A 16 kHz mono s16 WAV file of `samples`. */
function wavFile(samples: Int16Array): Buffer {
  const data = samples.length * 2;
  const file = Buffer.alloc(44 + data);
  file.write('RIFF', 0, 'ascii');
  file.writeUInt32LE(36 + data, 4);
  file.write('WAVEfmt ', 8, 'ascii');
  file.writeUInt32LE(16, 16);
  file.writeUInt16LE(1, 20); // PCM
  file.writeUInt16LE(1, 22); // mono
  file.writeUInt32LE(RATE, 24);
  file.writeUInt32LE(RATE * 2, 28);
  file.writeUInt16LE(2, 32);
  file.writeUInt16LE(16, 34);
  file.write('data', 36, 'ascii');
  file.writeUInt32LE(data, 40);
  for (let i = 0; i < samples.length; i++) file.writeInt16LE(samples[i] ?? 0, 44 + i * 2);
  return file;
}

/**
 * The question as the fake microphone plays it: flite's voice with 1 s of silence before (the voice activity
 * detector learns the room first) and 2 s after (so the end of speech is detected before the file runs out).
 */
function spokenQuestion(dir: string): string {
  const raw = join(dir, 'question-flite.wav');
  execFileSync('flite', ['-voice', 'slt', '-t', QUESTION, '-o', raw]);
  const speech = readWav(readFileSync(raw));
  const padded = new Int16Array(RATE + speech.length + 2 * RATE);
  padded.set(speech, RATE);
  const path = join(dir, 'question.wav');
  writeFileSync(path, wavFile(padded));
  return path;
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'dhuman-conversation-'));
  const webDir = join(workDir, 'web');
  await buildWebPages(webDir);
  const wav = spokenQuestion(workDir);
  server = await startTestServer({ DHUMAN_WEB_DIR: webDir });
  browser = await launchChromium([
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    // Without %noloop the file repeats, and the avatar would be asked again every few seconds.
    `--use-file-for-fake-audio-capture=${wav}%noloop`,
  ]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.dispose();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** Waits until the page has (re)attached its player and the microphone can be pressed. */
async function attached(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      !document.querySelector<HTMLButtonElement>('#mic')?.disabled &&
      (window as { dhumanDemo?: unknown }).dhumanDemo !== undefined,
    undefined,
    { timeout: 15_000 },
  );
}

/**
 * Connects with the dev credential and makes sure the assistant project is the one selected: on another
 * project the page offers to switch to it, and that link is used.
 */
async function openAssistant(page: Page): Promise<void> {
  await page.goto(`${server.url}/`);
  await page.click('#use-dev');
  await page.click('#connect');
  await attached(page);
  if ((await page.inputValue('#project')) === 'assistant') {
    expect(await page.isVisible('#assistant-hint')).toBe(false);
    await page.selectOption('#project', 'demo');
    await attached(page);
  }
  expect(await page.isVisible('#assistant-hint')).toBe(true);
  await page.click('#use-assistant');
  expect(await page.inputValue('#project')).toBe('assistant');
  await attached(page);
  expect(await page.isVisible('#assistant-hint')).toBe(false);
}

interface TranscriptStep {
  text: string;
  final: string | undefined;
}

/** Records every text the transcript line shows, with whether it was final. */
async function recordTranscript(page: Page): Promise<void> {
  await page.evaluate(() => {
    const line = document.querySelector<HTMLElement>('#transcript');
    const steps: TranscriptStep[] = [];
    (window as { transcriptSteps?: TranscriptStep[] }).transcriptSteps = steps;
    if (!line) return;
    new MutationObserver(() => {
      const text = line.textContent ?? '';
      const last = steps.at(-1);
      if (last?.text !== text || last.final !== line.dataset.final)
        steps.push({ text, final: line.dataset.final });
    }).observe(line, { childList: true, characterData: true, subtree: true, attributes: true });
  });
}

/** Whether the server video is playing: frames present and time moving. */
async function videoPlaying(page: Page): Promise<{ playing: boolean; muted: boolean }> {
  const at = await page.$eval('#server-video', (v) => (v as HTMLVideoElement).currentTime);
  await page.waitForTimeout(500);
  return page.$eval(
    '#server-video',
    (v, before) => {
      const video = v as HTMLVideoElement;
      return {
        playing: video.readyState >= 2 && !video.paused && video.currentTime > before,
        muted: video.muted,
      };
    },
    at,
  );
}

const words = (text: string): string[] => text.toLowerCase().match(/[a-z']+/g) ?? [];

describe('demo page, voice conversation', () => {
  it('hears a spoken question, shows it with the answer, and speaks the answer in the server stream', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const consoleErrors: string[] = [];
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    await openAssistant(page);
    await recordTranscript(page);

    await page.click('#mic');
    expect(await page.getAttribute('#mic', 'aria-pressed')).toBe('true');
    // The server stream comes on by itself, with sound: the answer is heard only there.
    expect(await page.isChecked('#server-stream')).toBe(true);
    await page
      .waitForFunction(
        () =>
          ['listening', 'hearing', 'speaking'].includes(
            document.querySelector<HTMLElement>('#conversation')?.dataset.state ?? '',
          ),
        undefined,
        { timeout: 30_000 },
      )
      .catch(async (error: unknown) => {
        // Say why: the page shows the microphone's or the session's failure in words.
        const why = await page.evaluate(() =>
          ['#mic-error', '#server-status', '#log']
            .map((selector) => document.querySelector(selector)?.textContent?.trim() ?? '')
            .join(' | '),
        );
        throw new Error(`the microphone did not start: ${why}`, { cause: error });
      });

    // The final transcript of the question, then the question and a complete answer in the history.
    await page.waitForFunction(
      () =>
        document.querySelector<HTMLElement>('#transcript')?.dataset.final === 'true' &&
        (document.querySelector('#transcript')?.textContent ?? '') !== '',
      undefined,
      { timeout: 30_000 },
    );
    const heard = (await page.textContent('#transcript')) ?? '';
    const recognised = QUESTION_WORDS.filter((word) => words(heard).includes(word));
    expect(recognised.length, `heard "${heard}"`).toBeGreaterThanOrEqual(3);

    await page.waitForSelector('.turn-answer[data-state="partial"], .turn-answer[data-state="done"]', {
      timeout: 20_000,
    });
    // While the avatar answers: the mic area says so, and the stream plays with sound.
    await page.waitForFunction(
      () => document.querySelector<HTMLElement>('#conversation')?.dataset.state === 'speaking',
      undefined,
      { timeout: 15_000 },
    );
    expect(await videoPlaying(page)).toEqual({ playing: true, muted: false });
    await page.screenshot({ path: artefactPath('conversation-voice-answering.png') });

    await page.waitForSelector('.turn-answer[data-state="done"]', { timeout: 30_000 });
    const question = (await page.textContent('.turn-question .turn-text')) ?? '';
    const answer = (await page.textContent('.turn-answer .turn-text')) ?? '';
    expect(question).toBe(heard);
    expect(await page.textContent('.turn-question .turn-who')).toBe('You, by voice');
    expect(answer.length).toBeGreaterThan(20);
    expect(await page.$$eval('.turn', (items) => items.length)).toBe(1);

    const steps = await page.evaluate(
      () => (window as { transcriptSteps?: TranscriptStep[] }).transcriptSteps ?? [],
    );
    // Partials (greyed) came before the final one, which replaced them.
    expect(steps.some((step) => step.final === 'false' && step.text !== '')).toBe(true);
    expect(steps.at(-1)).toEqual({ text: heard, final: 'true' });

    const stats = await page.evaluate(() => {
      const demo = (
        window as { dhumanDemo?: { voiceInput: { stats?: { sentBytes: number; droppedBytes: number } } } }
      ).dhumanDemo;
      return demo?.voiceInput.stats;
    });
    // 40 ms chunks flowed for the whole question; none was dropped on a local connection.
    expect(stats?.sentBytes).toBeGreaterThan(3 * RATE * 2);
    expect(stats?.droppedBytes).toBe(0);

    await page.waitForFunction(
      () => document.querySelector<HTMLElement>('#conversation')?.dataset.state === 'listening',
      undefined,
      { timeout: 30_000 },
    );
    await page.screenshot({ path: artefactPath('conversation-voice-history.png') });

    await page.click('#mic');
    expect(await page.getAttribute('#mic', 'aria-pressed')).toBe('false');
    expect(await page.getAttribute('#conversation', 'data-state')).toBe('off');
    expect(consoleErrors).toEqual([]);
    await page.close();
  }, 120_000);

  it('answers a typed question when "Ask" is ticked', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await openAssistant(page);
    await page.check('#ask');
    expect(await page.textContent('#speak')).toBe('Ask');
    expect(await page.isDisabled('#ssml')).toBe(true);
    await page.fill('#text', 'Who are you?');
    await page.click('#speak');
    await page.waitForSelector('.turn-answer[data-state="done"]', { timeout: 40_000 });
    expect(await page.textContent('.turn-question .turn-text')).toBe('Who are you?');
    expect(await page.textContent('.turn-question .turn-who')).toBe('You, typed');
    expect(((await page.textContent('.turn-answer .turn-text')) ?? '').length).toBeGreaterThan(10);
    expect(await page.isChecked('#server-stream')).toBe(true);
    expect(await page.$eval('#server-video', (v) => (v as HTMLVideoElement).muted)).toBe(false);
    await page.close();
  }, 90_000);
});

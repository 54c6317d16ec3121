import { spawn, type ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AsrProvider, AsrStream, AsrStreamHandlers } from '@dhuman/core';
import { ASR_SAMPLE_RATE } from '@dhuman/core';
import { recogniserSource, type FromRecogniser, type ToRecogniser } from './pocketsphinx-child.js';

/** Where Debian's `pocketsphinx-en-us` puts the US English models. */
export const POCKETSPHINX_EN_US_DIR = '/usr/share/pocketsphinx/model/en-us';

export interface PocketsphinxOptions {
  /** Acoustic model directory; default Debian's `…/en-us/en-us`. */
  hmm?: string;
  /** Language model; default Debian's `…/en-us/en-us.lm.bin`. */
  lm?: string;
  /** Pronunciation dictionary; default Debian's `…/en-us/cmudict-en-us.dict`. */
  dict?: string;
  /** Default `libpocketsphinx.so.3` (Debian `libpocketsphinx3`), found by the dynamic loader. */
  pocketsphinxLibrary?: string;
  /** Default `libsphinxbase.so.3` (Debian `libsphinxbase3`). */
  sphinxbaseLibrary?: string;
  /** Longest wait for a recogniser to load its models (0.3–1 s when idle); default 20 s. */
  startTimeoutMs?: number;
  /**
   * Skip the decoder's second (flat-lexicon) pass when an utterance ends: its final result then comes about
   * 120 ms sooner (≈70 instead of ≈190 ms after `end()`), at the price of more errors (word error on flite's
   * four voices 5.9 % instead of 3.4 %). Default false.
   */
  firstPassOnly?: boolean;
  /** Shortest time between two partial results; default 300 ms. */
  partialIntervalMs?: number;
  /**
   * Audio a recogniser may lag behind by; what comes beyond it is dropped (see `droppedSamples`). The decoder
   * runs at about a third of real time, so a backlog this long means the machine is overloaded. Default 10 s.
   */
  maxQueuedMs?: number;
}

/** ERROR lines of the recogniser's log kept for the message when it fails to start. */
const MAX_ERROR_LINES = 5;
const MAX_ERROR_LINE_LENGTH = 300;
/** How long a failed start may take to flush its log before the failure is reported without it. */
const LOG_FLUSH_MS = 1000;

/**
 * Speech recognition with CMU pocketsphinx (Debian `libpocketsphinx3` + `pocketsphinx-en-us`): US English, no
 * network, partial results. Each stream has a recogniser process of its own (about 150 MB, 0.3–1 s to load
 * its models), which `close()` ends; the decoder runs there at about a third of real time.
 */
export class PocketsphinxAsr implements AsrProvider {
  readonly label = 'pocketsphinx';
  readonly capabilities = { partials: true, languages: ['en-US'] } as const;
  private readonly hmm: string;
  private readonly lm: string;
  private readonly dict: string;
  private readonly pocketsphinxLibrary: string;
  private readonly sphinxbaseLibrary: string;
  private readonly startTimeoutMs: number;
  private readonly partialIntervalMs: number;
  private readonly firstPassOnly: boolean;
  private readonly maxQueuedSamples: number;
  private readonly streams = new Set<PocketsphinxStream>();
  private closed = false;

  constructor(options: PocketsphinxOptions = {}) {
    this.hmm = options.hmm ?? join(POCKETSPHINX_EN_US_DIR, 'en-us');
    this.lm = options.lm ?? join(POCKETSPHINX_EN_US_DIR, 'en-us.lm.bin');
    this.dict = options.dict ?? join(POCKETSPHINX_EN_US_DIR, 'cmudict-en-us.dict');
    this.pocketsphinxLibrary = options.pocketsphinxLibrary ?? 'libpocketsphinx.so.3';
    this.sphinxbaseLibrary = options.sphinxbaseLibrary ?? 'libsphinxbase.so.3';
    this.startTimeoutMs = positive('startTimeoutMs', options.startTimeoutMs ?? 20_000);
    this.partialIntervalMs = positive('partialIntervalMs', options.partialIntervalMs ?? 300);
    this.firstPassOnly = options.firstPassOnly ?? false;
    this.maxQueuedSamples = (positive('maxQueuedMs', options.maxQueuedMs ?? 10_000) * ASR_SAMPLE_RATE) / 1000;
  }

  /**
   * Starts a recogniser and resolves once its models are loaded. Rejects with a message naming what is missing
   * (model file, shared library, the koffi package) or the decoder's own ERROR lines.
   */
  async open(handlers: AsrStreamHandlers, options: { language?: string } = {}): Promise<AsrStream> {
    if (this.closed) throw new Error(`${this.label} is closed`);
    const { language } = options;
    if (language !== undefined && !/^en(-|$)/i.test(language))
      throw new RangeError(
        `${this.label} recognises US English (en-US) only, not ${JSON.stringify(language)}`,
      );
    await this.checkModels();
    const source = recogniserSource(resolveKoffi(this.label), {
      pocketsphinxLibrary: this.pocketsphinxLibrary,
      sphinxbaseLibrary: this.sphinxbaseLibrary,
      args: [
        ...['-hmm', this.hmm, '-lm', this.lm, '-dict', this.dict],
        ...(this.firstPassOnly ? ['-fwdflat', 'no'] : []),
      ],
      partialIntervalMs: this.partialIntervalMs,
    });
    if (this.closed) throw new Error(`${this.label} is closed`);
    const stream = new PocketsphinxStream(handlers, this.maxQueuedSamples, () => this.streams.delete(stream));
    this.streams.add(stream);
    await stream.start(source, this.startTimeoutMs);
    return stream;
  }

  /** Closes every stream (their recognisers end); later `open` calls reject. */
  close(): Promise<void> {
    this.closed = true;
    for (const stream of [...this.streams]) stream.close();
    return Promise.resolve();
  }

  private async checkModels(): Promise<void> {
    const missing = async (path: string, kind: 'file' | 'directory'): Promise<boolean> => {
      const stats = await stat(path).catch(() => undefined);
      return !(kind === 'file' ? stats?.isFile() : stats?.isDirectory());
    };
    const hint = 'install the Debian package pocketsphinx-en-us or set the';
    if ((await missing(this.hmm, 'directory')) || (await missing(join(this.hmm, 'mdef'), 'file')))
      throw new Error(`${this.label}: no acoustic model at ${this.hmm} (${hint} hmm option)`);
    if (await missing(this.lm, 'file'))
      throw new Error(`${this.label}: no language model at ${this.lm} (${hint} lm option)`);
    if (await missing(this.dict, 'file'))
      throw new Error(`${this.label}: no pronunciation dictionary at ${this.dict} (${hint} dict option)`);
  }
}

/**
 * One visitor's recogniser process. Audio goes to it as it comes; results come back as it decodes. At most
 * `maxQueuedSamples` may be on their way or waiting there: the process acknowledges each chunk it has decoded.
 */
export class PocketsphinxStream implements AsrStream {
  private child: ChildProcess | undefined;
  private readonly errorLines: string[] = [];
  private utterances = 0;
  private current: number | undefined;
  private inFlight = 0;
  private dropped = 0;
  private closed = false;
  /** Rejects the pending `start()`, while there is one. */
  private abortStart: (() => void) | undefined;

  constructor(
    private readonly handlers: AsrStreamHandlers,
    private readonly maxQueuedSamples: number,
    private readonly onClosed: () => void,
  ) {}

  /** The recogniser's process id, while it runs. */
  get pid(): number | undefined {
    return this.closed ? undefined : this.child?.pid;
  }

  /** Samples dropped because the recogniser lagged more than `maxQueuedMs` behind. */
  get droppedSamples(): number {
    return this.dropped;
  }

  /** Spawns the recogniser and waits until its models are loaded. */
  start(source: string, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module'], {
        stdio: ['pipe', 'ignore', 'pipe', 'ipc'],
        // Chunks travel as bytes rather than as JSON arrays of numbers.
        serialization: 'advanced',
      });
      this.child = child;
      const timer = setTimeout(() => failStart(`models not loaded within ${timeoutMs} ms`), timeoutMs);
      let starting = true;
      const failStart = (reason: string): void => {
        if (!starting) return;
        starting = false;
        clearTimeout(timer);
        this.close();
        // The log is read to its end only once the process is gone; its ERROR lines say what was wrong.
        const report = (): void => reject(new Error(startFailure(reason, this.errorLines)));
        if (child.exitCode !== null || child.signalCode !== null) return report();
        const flushed = setTimeout(report, LOG_FLUSH_MS);
        child.once('close', () => {
          clearTimeout(flushed);
          report();
        });
      };
      this.abortStart = () => failStart('the stream was closed while its recogniser was loading');
      child.stderr?.setEncoding('utf8').on('data', (text: string) => this.keepErrorLines(text));
      child.on('error', (error) => {
        if (starting) failStart(`cannot run the recogniser process: ${error.message}`);
        else this.fail(new Error(`pocketsphinx: recogniser process failed: ${error.message}`));
      });
      // 'close' rather than 'exit': by then the log has been read to its end.
      child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
        const how = signal ? `signal ${signal}` : `code ${code}`;
        if (starting) failStart(`recogniser process exited with ${how} while loading`);
        else
          this.fail(
            new Error(startFailure(`recogniser process exited unexpectedly (${how})`, this.errorLines)),
          );
      });
      child.on('message', (message: FromRecogniser) => {
        if (message.type === 'ready') {
          if (!starting) return;
          starting = false;
          this.abortStart = undefined;
          clearTimeout(timer);
          resolve();
        } else if (message.type === 'error') {
          if (starting) failStart(message.message);
          else this.fail(new Error(`pocketsphinx: ${message.message}`));
        } else this.receive(message);
      });
      // The module source is the program: the process runs it once stdin ends.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(source);
    });
  }

  begin(): number {
    if (this.closed) throw new Error('pocketsphinx: the stream is closed');
    // Utterances never overlap: one still open ends here, with its final result.
    if (this.current !== undefined) this.end();
    this.utterances++;
    this.current = this.utterances;
    this.post({ type: 'begin', n: this.current });
    return this.current;
  }

  write(pcm: Int16Array): void {
    if (!(pcm instanceof Int16Array)) throw new TypeError('pocketsphinx: audio must be an Int16Array');
    if (this.closed || this.current === undefined || pcm.length === 0) return;
    if (this.inFlight + pcm.length > this.maxQueuedSamples) {
      this.dropped += pcm.length;
      return;
    }
    this.inFlight += pcm.length;
    // With the advanced serialization, a view sends only its own bytes, not the buffer it is part of.
    this.post({ type: 'audio', pcm });
  }

  end(): void {
    if (this.closed || this.current === undefined) return;
    this.current = undefined;
    this.post({ type: 'end' });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.current = undefined;
    this.onClosed();
    this.child?.kill('SIGKILL');
    this.abortStart?.();
    this.abortStart = undefined;
  }

  private post(message: ToRecogniser): void {
    // A send on a channel that has just closed fails through the child's 'error' event, handled in start().
    if (this.child?.connected) this.child.send(message);
  }

  private receive(message: FromRecogniser): void {
    if (this.closed) return;
    if (message.type === 'processed') this.inFlight = Math.max(0, this.inFlight - message.samples);
    else if (message.type === 'partial' || message.type === 'final')
      this.handlers.onResult({ utterance: message.n, text: message.text, final: message.type === 'final' });
  }

  private fail(error: Error): void {
    if (this.closed) return;
    this.close();
    this.handlers.onError(error);
  }

  private keepErrorLines(text: string): void {
    for (const line of text.split('\n')) {
      if (!/^(ERROR|FATAL|\w*Error\b)/.test(line)) continue;
      this.errorLines.push(line.slice(0, MAX_ERROR_LINE_LENGTH));
      if (this.errorLines.length > MAX_ERROR_LINES) this.errorLines.shift();
    }
  }
}

function startFailure(reason: string, errorLines: readonly string[]): string {
  const hint = /shared (object|library)/i.test(reason)
    ? ' (install the Debian packages libpocketsphinx3 and libsphinxbase3)'
    : '';
  const log = errorLines.length > 0 ? `; its log says: ${errorLines.join(' | ')}` : '';
  return `pocketsphinx: ${reason}${hint}${log}`;
}

/** koffi's entry as a file URL, for the recogniser's module (which cannot resolve package names itself). */
function resolveKoffi(label: string): string {
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve('koffi')).href;
  } catch {
    throw new Error(`${label}: the npm package koffi is not installed; it binds libpocketsphinx`);
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`pocketsphinx: ${name} must be positive`);
  return value;
}

/**
 * The recogniser process of `PocketsphinxAsr`: Debian's libpocketsphinx bound with koffi, one decoder per
 * process. A process of its own (not a worker thread) because the decoder's calls are synchronous and heavy
 * (≈0.35 × real time, 150 MB of models), and because a crash in native code must not take the server down.
 */

/** Parent → child. `audio` carries 16 kHz mono samples (sent with the `advanced` serialization, as bytes). */
export type ToRecogniser =
  { type: 'begin'; n: number } | { type: 'audio'; pcm: Int16Array } | { type: 'end' };

/**
 * Child → parent. `processed` acknowledges each `audio` message, so the parent can bound what is in flight;
 * `error` before `ready` means the decoder could not start, after it that the stream is broken.
 */
export type FromRecogniser =
  | { type: 'ready' }
  | { type: 'partial' | 'final'; n: number; text: string }
  | { type: 'processed'; samples: number }
  | { type: 'error'; message: string };

export interface RecogniserConfig {
  /** Shared libraries, as `dlopen` finds them (sonames or paths). */
  pocketsphinxLibrary: string;
  sphinxbaseLibrary: string;
  /** Decoder arguments, flag then value: `['-hmm', dir, '-lm', file, …]`. */
  args: string[];
  /** Shortest time between two looks at the partial hypothesis. */
  partialIntervalMs: number;
}

/** The part of koffi used here (koffi is loaded in the child only, from a URL the parent resolved). */
interface Koffi {
  load(path: string): { func(declaration: string): (...args: unknown[]) => unknown };
}

/**
 * Runs in the child process; stringified into its source, so it may use only its parameters and globals.
 * Pocketsphinx logs to stderr while it loads, so that the parent can quote its ERROR lines when loading fails,
 * then logging is turned off: per-utterance statistics are of no use here.
 */
export function serveRecogniser(koffi: Koffi, config: RecogniserConfig): void {
  const send = (message: FromRecogniser, then?: () => void): void => {
    // The parent may already be gone; nothing is left to tell then.
    if (process.connected) process.send?.(message, undefined, {}, then);
  };
  const fail = (message: string): void => {
    if (process.connected) send({ type: 'error', message }, () => process.exit(1));
    else process.exit(1);
  };
  let decoder: unknown;
  let api: {
    startUtt: (ps: unknown) => unknown;
    processRaw: (ps: unknown, pcm: Int16Array, n: number, noSearch: number, fullUtt: number) => unknown;
    getHyp: (ps: unknown, score: number[]) => unknown;
    endUtt: (ps: unknown) => unknown;
  };
  try {
    // koffi's message does not name the library.
    const load = (name: string) => {
      try {
        return koffi.load(name);
      } catch (error) {
        throw new Error(`cannot load ${name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    const sphinxbase = load(config.sphinxbaseLibrary);
    const pocketsphinx = load(config.pocketsphinxLibrary);
    const psArgs = pocketsphinx.func('void *ps_args()');
    // Variadic: koffi needs each extra argument's type; the list ends with a NULL string.
    const cmdLnInit = sphinxbase.func('void *cmd_ln_init(void *inout, void *defn, int strict, ...)');
    const psInit = pocketsphinx.func('void *ps_init(void *config)');
    const errSetLogfp = sphinxbase.func('void err_set_logfp(void *stream)');
    api = {
      startUtt: pocketsphinx.func('int ps_start_utt(void *ps)'),
      processRaw: pocketsphinx.func(
        'int ps_process_raw(void *ps, const int16_t *data, size_t n_samples, int no_search, int full_utt)',
      ),
      getHyp: pocketsphinx.func('const char *ps_get_hyp(void *ps, _Out_ int32_t *out_best_score)'),
      endUtt: pocketsphinx.func('int ps_end_utt(void *ps)'),
    };
    const variadic: (string | null)[] = [];
    for (const arg of config.args) variadic.push('str', arg);
    variadic.push('str', null);
    const cmdLn = cmdLnInit(null, psArgs(), 1, ...variadic);
    if (!cmdLn) return fail('the decoder rejected its arguments');
    decoder = psInit(cmdLn);
    if (!decoder) return fail('the decoder could not load its models');
    errSetLogfp(null);
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }

  const score = [0];
  const hypothesis = (): string => {
    const text = api.getHyp(decoder, score);
    return typeof text === 'string' ? text.trim() : '';
  };
  let utterance: number | undefined;
  let lastPartial = '';
  let lastLook = 0;
  process.on('message', (message: ToRecogniser) => {
    if (message.type === 'begin') {
      if (utterance !== undefined) api.endUtt(decoder);
      if (Number(api.startUtt(decoder)) < 0) return fail('ps_start_utt failed');
      utterance = message.n;
      lastPartial = '';
      lastLook = performance.now();
    } else if (message.type === 'audio') {
      const pcm = message.pcm;
      if (utterance !== undefined && pcm.length > 0) {
        if (Number(api.processRaw(decoder, pcm, pcm.length, 0, 0)) < 0) return fail('ps_process_raw failed');
        const now = performance.now();
        // Looking is a backtrace through the search: cheap, but not free at every 20 ms chunk.
        if (now - lastLook >= config.partialIntervalMs) {
          lastLook = now;
          const text = hypothesis();
          if (text !== lastPartial && text !== '') {
            lastPartial = text;
            send({ type: 'partial', n: utterance, text });
          }
        }
      }
      send({ type: 'processed', samples: pcm.length });
    } else if (message.type === 'end' && utterance !== undefined) {
      const n = utterance;
      utterance = undefined;
      if (Number(api.endUtt(decoder)) < 0) return fail('ps_end_utt failed');
      send({ type: 'final', n, text: hypothesis() });
    }
  });
  // The parent went away (closed the stream, or died): nothing more to do. The OS frees the decoder.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
}

/** The name the process shows in `ps` and `top`. */
export const RECOGNISER_PROCESS_TITLE = 'dhuman-asr';

/**
 * The child's ES module source, run with `node --input-type=module` from stdin. Why generated rather than a
 * file: the package runs from TypeScript sources under vitest and from `dist` in production, and Node 20
 * cannot run a `.ts` file (the espeak worker pool and the render worker do the same for the same reason).
 * `koffiUrl` is absolute because a module read from stdin resolves bare specifiers from the working directory.
 */
export function recogniserSource(koffiUrl: string, config: RecogniserConfig): string {
  return [
    `import koffi from ${JSON.stringify(koffiUrl)};`,
    `process.title = ${JSON.stringify(RECOGNISER_PROCESS_TITLE)};`,
    `(${serveRecogniser.toString()})(koffi, ${JSON.stringify(config)});`,
  ].join('\n');
}

/**
 * Speech recognition for voice conversation. The caller (the session's voice input) runs voice activity
 * detection and tells the recogniser where each utterance begins and ends; the recogniser turns the audio in
 * between into text. Audio is always 16 kHz mono s16le, as the microphone uplink carries it.
 */

export const ASR_SAMPLE_RATE = 16_000;

export interface AsrResult {
  /** Utterance number of this stream, from 1, as returned by `begin()`. */
  utterance: number;
  text: string;
  /** false: a partial hypothesis that may still change; true: the utterance's last word. */
  final: boolean;
}

export interface AsrStreamHandlers {
  onResult(result: AsrResult): void;
  /** The recogniser failed (its process died, the endpoint refused); the stream is unusable afterwards. */
  onError(error: Error): void;
}

/** One visitor's audio: utterances one after another, never overlapping. */
export interface AsrStream {
  /** Starts an utterance and returns its number. Audio written from now on belongs to it. */
  begin(): number;
  /** Audio of the current utterance (16 kHz mono s16le). Ignored between utterances. */
  write(pcm: Int16Array): void;
  /** Ends the current utterance; exactly one final result for it follows (possibly with empty text). */
  end(): void;
  /** Releases the recogniser (child process, request); no results follow. Idempotent. */
  close(): void;
}

export interface AsrProvider {
  /** e.g. `pocketsphinx` or `openai.transcription`. */
  readonly label: string;
  readonly capabilities: {
    /** Whether partial results arrive while an utterance is still going on. */
    readonly partials: boolean;
    /** BCP 47 tags it recognises, e.g. `['en-US']`. */
    readonly languages: readonly string[];
  };
  /** Opens a stream for one visitor; rejects when the recogniser cannot start. */
  open(handlers: AsrStreamHandlers, options?: { language?: string }): Promise<AsrStream>;
  close(): Promise<void>;
}

import type { PreparationStep, SessionRecord, TtsProvider } from '@dhuman/core';
import { ERRORS, IvhError } from '@dhuman/protocol';

/**
 * Session preparation for speech: the session's voice must be one the TTS engine has, and the engine must be
 * loaded (its workers started and warmed) before the session reports READY, so the first drive is fast.
 */
export class VoiceStep implements PreparationStep {
  readonly label = 'voice';
  private warm: Promise<void> | undefined;

  constructor(
    private readonly tts: TtsProvider,
    private readonly warmUp: () => Promise<void>,
  ) {}

  async prepare(session: SessionRecord): Promise<void> {
    const voices = this.tts.voices();
    if (!voices.some((v) => v.key === session.voice)) {
      const known = voices.map((v) => v.key).join(', ');
      throw new IvhError(
        ERRORS.AVATAR_LOAD_FAILED,
        `voice "${session.voice}" is not available (known: ${known})`,
      );
    }
    // One warm-up for the process, shared by every session that prepares while it runs.
    this.warm ??= this.warmUp().catch((error: unknown) => {
      this.warm = undefined;
      throw error;
    });
    await this.warm;
  }
}

/**
 * Adaptive silence threshold by minimum statistics: the noise floor is the quietest frame of the last 2 s. That
 * follows a changing background within 2 s yet does not rise during speech, which pauses (between words, in stop
 * closures) far more often. TTS audio is digitally silent between words, so there the absolute gate decides.
 */

/** Frames per block of the minimum history (100 ms). */
const BLOCK_FRAMES = 10;
/** Blocks of history (2 s). */
const HISTORY_BLOCKS = 20;
/** A frame counts as sound this far above the floor: stationary noise varies by about ±3 dB between frames. */
const MARGIN_DB = 9;
/** Nothing quieter than this is speech, whatever the floor: −55 dBFS is below a whispered /f/ from TTS. */
const ABSOLUTE_GATE_DB = -55;
/**
 * Until the history is full, the floor is at most this. An utterance may start straight into speech, and then
 * the quietest frame seen so far is speech; assuming a quiet room (−50 dBFS) until 2 s have been heard lets that
 * speech through, at the cost of showing louder background noise as weak movement during the first 2 s.
 */
const STARTING_FLOOR_DB = -50;

export class NoiseFloor {
  private readonly minima: number[] = [];
  private blockMin = Infinity;
  private blockFrames = 0;

  /** Takes the next frame's level and returns the gate for it (dBFS). */
  update(levelDb: number): number {
    this.blockMin = Math.min(this.blockMin, levelDb);
    let floor = this.blockMin;
    for (const m of this.minima) floor = Math.min(floor, m);
    if (this.minima.length < HISTORY_BLOCKS - 1) floor = Math.min(floor, STARTING_FLOOR_DB);
    if (++this.blockFrames === BLOCK_FRAMES) {
      this.minima.push(this.blockMin);
      if (this.minima.length === HISTORY_BLOCKS) this.minima.shift();
      this.blockMin = Infinity;
      this.blockFrames = 0;
    }
    return Math.max(floor + MARGIN_DB, ABSOLUTE_GATE_DB);
  }
}

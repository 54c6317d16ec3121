/**
 * The time the avatar's idle motion (breathing, blinking) is drawn at: the audio clock while the context runs,
 * so idle motion and speech share one clock, and wall time while it is suspended (before the page's first
 * gesture), so the avatar does not freeze. It never jumps: switching clocks keeps the value continuous.
 */
export class IdleTime {
  #offset = 0;
  #last: number | undefined;
  #lastWallMs = 0;

  at(audioTime: number, running: boolean, wallMs: number): number {
    let time: number;
    if (running || this.#last === undefined) time = audioTime + this.#offset;
    else time = this.#last + Math.max(0, wallMs - this.#lastWallMs) / 1000;
    this.#offset = time - audioTime;
    this.#last = time;
    this.#lastWallMs = wallMs;
    return time;
  }
}

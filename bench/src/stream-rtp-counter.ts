/**
 * What one WHEP viewer of the stream bench received, counted from RTP headers alone (the bench never decodes).
 * Losses are reckoned as in RFC 3550 (§A.3): packets expected from the extended sequence numbers minus packets
 * received. A video frame ends at the packet with the marker bit, so frames are counted there, once per RTP
 * timestamp: a retransmitted or duplicated last packet does not count twice, and a frame whose timestamp is more
 * than one frame period after the previous one means frames the encoder sent never arrived.
 */

/** The counters at one moment; a measuring window is the difference of two. */
export interface RtpCounts {
  /** `performance.now()` when taken. */
  at: number;
  packets: number;
  /** Extended highest sequence number − first one + 1 (0 before the first packet). */
  expected: number;
  /** Frames completed (video only; 0 for audio). */
  frames: number;
  /** Frames skipped over in the RTP timestamps (video only). */
  missingFrames: number;
}

/** The header fields the counter reads (werift's `RtpHeader` has them). */
export interface RtpHeaderLike {
  sequenceNumber: number;
  timestamp: number;
  marker: boolean;
}

const SEQ_MOD = 0x10000;
const HALF_SEQ = 0x8000;
const HALF_TS = 0x80000000;

export class RtpCounter {
  private packets = 0;
  private firstSeq: number | undefined;
  /** Extended (wrap-counted) highest sequence number seen. */
  private highestSeq = 0;
  private frames = 0;
  private missingFrames = 0;
  private lastFrameTs: number | undefined;
  /** Arrival time (`performance.now()`) of every completed frame, for gaps within a window. */
  private readonly frameTimes: number[] = [];

  /** @param frameTicks RTP clock ticks per video frame (90000 / fps), or 0 for audio (no frames counted). */
  constructor(private readonly frameTicks: number) {}

  onPacket(header: RtpHeaderLike, at = performance.now()): void {
    this.packets++;
    const seq = header.sequenceNumber;
    if (this.firstSeq === undefined) {
      this.firstSeq = seq;
      this.highestSeq = seq;
    } else {
      const ahead = (seq - (this.highestSeq % SEQ_MOD) + SEQ_MOD) % SEQ_MOD;
      // Within half the sequence space ahead: newer (possibly after a gap); otherwise late or duplicated.
      if (ahead > 0 && ahead < HALF_SEQ) this.highestSeq += ahead;
    }
    if (this.frameTicks > 0 && header.marker) this.onFrameEnd(header.timestamp >>> 0, at);
  }

  private onFrameEnd(ts: number, at: number): void {
    if (this.lastFrameTs !== undefined) {
      const ticks = (ts - this.lastFrameTs + 2 ** 32) % 2 ** 32;
      if (ticks === 0 || ticks >= HALF_TS) return; // the same frame again, or an older one
      this.missingFrames += Math.max(0, Math.round(ticks / this.frameTicks) - 1);
    }
    this.lastFrameTs = ts;
    this.frames++;
    this.frameTimes.push(at);
  }

  counts(at = performance.now()): RtpCounts {
    return {
      at,
      packets: this.packets,
      expected: this.firstSeq === undefined ? 0 : this.highestSeq - this.firstSeq + 1,
      frames: this.frames,
      missingFrames: this.missingFrames,
    };
  }

  /** The longest time between two frames completed within [from, to] (ms; 0 with fewer than two). */
  longestFrameGapMs(from: number, to: number): number {
    let longest = 0;
    let previous: number | undefined;
    for (const at of this.frameTimes) {
      if (at < from) continue;
      if (at > to) break;
      if (previous !== undefined) longest = Math.max(longest, at - previous);
      previous = at;
    }
    return longest;
  }
}

/** One window's figures for one RTP stream. */
export interface RtpWindow {
  seconds: number;
  packetsPerSec: number;
  framesPerSec: number;
  /** Expected − received packets in the window, never below 0 (duplicates could make it so). */
  lostPackets: number;
  missingFrames: number;
}

export function rtpWindow(from: RtpCounts, to: RtpCounts): RtpWindow {
  const seconds = (to.at - from.at) / 1000;
  const packets = to.packets - from.packets;
  return {
    seconds,
    packetsPerSec: packets / seconds,
    framesPerSec: (to.frames - from.frames) / seconds,
    lostPackets: Math.max(0, to.expected - from.expected - packets),
    missingFrames: to.missingFrames - from.missingFrames,
  };
}

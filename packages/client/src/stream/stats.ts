/** What a viewer's browser measures of the stream it plays, from the `inbound-rtp` reports of `getStats()`. */
export interface StreamStats {
  /** Video frames decoded so far. */
  framesDecoded: number;
  /** Decoded video frames in the last second (0 before the first). */
  framesPerSecond: number;
  frameWidth: number;
  frameHeight: number;
  /** Audio samples received so far, concealed ones included. */
  totalSamplesReceived: number;
  /** Audio samples the decoder had to invent because packets were late or lost. */
  concealedSamples: number;
  /**
   * Average time an audio sample waited in the jitter buffer, in ms (the video's when there is no audio).
   * Audio is preferred because the browser holds video back to match it, so it is the delay a viewer hears.
   */
  jitterBufferDelayMs: number;
}

/** The part of `RTCStatsReport` read here; a `Map` of plain objects works as well. */
export interface StatsReportLike {
  forEach(callback: (stat: unknown) => void): void;
}

type Stat = Record<string, unknown>;

const num = (stat: Stat | undefined, name: string): number => {
  const value = stat?.[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
};

/** Average jitter-buffer delay in ms: the buffer's cumulative seconds over the samples or frames emitted. */
function jitterMs(stat: Stat | undefined): number | undefined {
  const emitted = num(stat, 'jitterBufferEmittedCount');
  return emitted > 0 ? (num(stat, 'jitterBufferDelay') / emitted) * 1000 : undefined;
}

/** Figures of the first audio and the first video `inbound-rtp` of `report`; absent ones read 0. */
export function streamStatsFrom(report: StatsReportLike): StreamStats {
  let audio: Stat | undefined;
  let video: Stat | undefined;
  report.forEach((value) => {
    if (typeof value !== 'object' || value === null) return;
    const stat = value as Stat;
    if (stat['type'] !== 'inbound-rtp') return;
    // `kind` is the standard name; older browsers only said `mediaType`.
    const kind = stat['kind'] ?? stat['mediaType'];
    if (kind === 'audio') audio ??= stat;
    else if (kind === 'video') video ??= stat;
  });
  return {
    framesDecoded: num(video, 'framesDecoded'),
    framesPerSecond: num(video, 'framesPerSecond'),
    frameWidth: num(video, 'frameWidth'),
    frameHeight: num(video, 'frameHeight'),
    totalSamplesReceived: num(audio, 'totalSamplesReceived'),
    concealedSamples: num(audio, 'concealedSamples'),
    jitterBufferDelayMs: jitterMs(audio) ?? jitterMs(video) ?? 0,
  };
}

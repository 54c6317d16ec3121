import { describe, expect, it } from 'vitest';
import { streamStatsFrom } from './stats.js';

describe('streamStatsFrom', () => {
  it('reads the video and audio inbound-rtp reports and ignores the others', () => {
    const report = new Map<string, object>([
      ['T01', { type: 'transport', bytesReceived: 1 }],
      [
        'IT01V',
        {
          type: 'inbound-rtp',
          kind: 'video',
          framesDecoded: 250,
          framesPerSecond: 25,
          frameWidth: 512,
          frameHeight: 512,
          jitterBufferDelay: 20,
          jitterBufferEmittedCount: 250,
        },
      ],
      [
        'IT01A',
        {
          type: 'inbound-rtp',
          kind: 'audio',
          totalSamplesReceived: 480_000,
          concealedSamples: 960,
          jitterBufferDelay: 24,
          jitterBufferEmittedCount: 480_000,
        },
      ],
      ['OT01', { type: 'outbound-rtp', kind: 'video', framesDecoded: 9 }],
    ]);
    expect(streamStatsFrom(report)).toEqual({
      framesDecoded: 250,
      framesPerSecond: 25,
      frameWidth: 512,
      frameHeight: 512,
      totalSamplesReceived: 480_000,
      concealedSamples: 960,
      jitterBufferDelayMs: 0.05,
    });
  });

  it('uses the video jitter buffer without audio, and the old mediaType name', () => {
    const report = new Map([
      ['v', { type: 'inbound-rtp', mediaType: 'video', jitterBufferDelay: 5, jitterBufferEmittedCount: 100 }],
    ]);
    expect(streamStatsFrom(report)).toMatchObject({ jitterBufferDelayMs: 50, totalSamplesReceived: 0 });
  });

  it('reads zeros before anything arrived (fields absent, fps undefined)', () => {
    const report = new Map([
      ['v', { type: 'inbound-rtp', kind: 'video', framesDecoded: 0, framesPerSecond: undefined }],
      ['a', { type: 'inbound-rtp', kind: 'audio', jitterBufferEmittedCount: 0, jitterBufferDelay: 0 }],
    ]);
    expect(streamStatsFrom(report)).toEqual({
      framesDecoded: 0,
      framesPerSecond: 0,
      frameWidth: 0,
      frameHeight: 0,
      totalSamplesReceived: 0,
      concealedSamples: 0,
      jitterBufferDelayMs: 0,
    });
    expect(streamStatsFrom(new Map())).toMatchObject({ framesDecoded: 0, jitterBufferDelayMs: 0 });
  });
});

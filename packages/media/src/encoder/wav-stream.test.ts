import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { floatSampleBytes, wavInputArgs, wavPacketBytes, wavStreamHeader } from './wav-stream.js';

describe('wav stream', () => {
  it('reads 20 ms packets, never below the demuxer’s 1024 bytes', () => {
    expect(wavPacketBytes(24_000)).toBe(480 * 4);
    expect(wavPacketBytes(48_000)).toBe(960 * 4);
    expect(wavPacketBytes(16_000)).toBe(320 * 4);
    expect(wavPacketBytes(8_000)).toBe(1024);
    expect(wavInputArgs(24_000)).toEqual([
      '-f',
      'wav',
      '-ignore_length',
      '1',
      '-max_size',
      '1920',
      '-i',
      'pipe:3',
    ]);
  });

  it('turns 16-bit samples into float exactly, little-endian', () => {
    const bytes = floatSampleBytes(Int16Array.from([0, 16_384, -32_768, 32_767, -1]));
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const floats = [0, 1, 2, 3, 4].map((i) => view.getFloat32(i * 4, true));
    expect(floats).toEqual([0, 0.5, -1, 32_767 / 32_768, -1 / 32_768]);
  });

  it('is a WAV that ffmpeg decodes back to the same samples at the header’s rate', () => {
    const samples = Int16Array.from({ length: 2_400 }, (_, i) => Math.round(12_000 * Math.sin(i / 7)));
    const input = Buffer.concat([wavStreamHeader(16_000), floatSampleBytes(samples)]);
    const args = ['-v', 'error', ...wavInputArgs(16_000).slice(0, -2), '-i', 'pipe:0', '-f', 's16le', '-'];
    const decoded = spawnSync('ffmpeg', args, { input });
    expect(decoded.stderr.toString()).toBe('');
    const out = new Int16Array(
      decoded.stdout.buffer,
      decoded.stdout.byteOffset,
      decoded.stdout.byteLength / 2,
    );
    expect(Array.from(out)).toEqual(Array.from(samples));
    const probe = spawnSync(
      'ffprobe',
      ['-v', 'error', '-show_entries', 'stream=codec_name,sample_rate,channels', '-of', 'csv=p=0', '-'],
      { input },
    );
    expect(probe.stdout.toString().trim()).toBe('pcm_f32le,16000,1');
  });
});

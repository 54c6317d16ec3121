import { describe, expect, it } from 'vitest';
import {
  aacFileRate,
  buildFfmpegArgs,
  fileCodecArgs,
  fileUrl,
  inputArgs,
  outputArgs,
  rawFrameBytes,
} from './ffmpeg-args.js';

const video = { width: 512, height: 512, fps: 25 };
const audio = { sampleRate: 24000 };

/** The value following `flag` in `args` (each flag appears once per output in these builders). */
function after(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
}

describe('inputArgs', () => {
  it('reads RGBA frames on stdin and a float WAV in 20 ms packets on fd 3, neither probed', () => {
    expect(inputArgs(video, audio).join(' ')).toBe(
      '-probesize 32 -analyzeduration 0 -f rawvideo -pix_fmt rgba -s 512x512 -r 25 -i pipe:0 ' +
        '-probesize 32 -analyzeduration 0 -f wav -ignore_length 1 -max_size 1920 -i pipe:3',
    );
    expect(rawFrameBytes(video)).toBe(512 * 512 * 4);
  });

  it('reads I420 frames (1.5 bytes a pixel) when asked, and RGBA when asked so', () => {
    const yuv = { ...video, pixelFormat: 'yuv420p' as const };
    expect(inputArgs(yuv, audio)).toEqual(
      inputArgs(video, audio).map((arg) => (arg === 'rgba' ? 'yuv420p' : arg)),
    );
    expect(rawFrameBytes(yuv)).toBe(512 * 512 * 1.5);
    expect(inputArgs({ ...video, pixelFormat: 'rgba' }, audio)).toEqual(inputArgs(video, audio));
  });
});

describe('buildFfmpegArgs', () => {
  it('starts quiet and non-interactive', () => {
    const args = buildFfmpegArgs({ video, audio, target: { kind: 'rtmp', url: 'rtmp://h/live/s' } });
    expect(args.slice(0, 5)).toEqual(['-hide_banner', '-loglevel', 'error', '-nostats', '-nostdin']);
  });

  it.each([
    [{ ...video, width: 511 }, /width/],
    [{ ...video, height: 0 }, /height/],
    [{ ...video, fps: 0 }, /fps/],
    [{ ...video, pixelFormat: 'bgr24' as 'rgba' }, /pixelFormat/],
  ])('refuses a bad video format %o', (bad, message) => {
    expect(() => buildFfmpegArgs({ video: bad, audio, target: { kind: 'rtmp', url: 'rtmp://h/a' } })).toThrow(
      message,
    );
  });

  it('refuses a bad sample rate', () => {
    expect(() =>
      buildFfmpegArgs({ video, audio: { sampleRate: 0 }, target: { kind: 'rtmp', url: 'rtmp://h/a' } }),
    ).toThrow(RangeError);
  });
});

describe('outputArgs', () => {
  it('MP4: x264 ultrafast/zerolatency on one thread at qp 16, yuv420p, 2 s GOP, AAC (fast coder) at the input rate, faststart', () => {
    const args = outputArgs(video, audio, { kind: 'file', path: '/tmp/o.mp4', format: 'mp4' });
    expect(args.join(' ')).toBe(
      '-map 0:v:0 -map 1:a:0 -c:v libx264 -preset ultrafast -tune zerolatency -threads 1 -pix_fmt yuv420p -g 50 ' +
        '-qp 16 -c:a aac -aac_coder fast -b:a 96k -ar 24000 -movflags +faststart -f mp4 -y /tmp/o.mp4',
    );
  });

  it('WebM: VP8 realtime cpu-used 8 and Opus', () => {
    const args = outputArgs(video, audio, { kind: 'file', path: 'o.webm', format: 'webm' });
    expect(after(args, '-c:v')).toBe('libvpx');
    expect(after(args, '-deadline')).toBe('realtime');
    expect(after(args, '-cpu-used')).toBe('8');
    expect(after(args, '-c:a')).toBe('libopus');
    expect(args.slice(-3)).toEqual(['webm', '-y', 'o.webm']);
  });

  it('WebM with alpha: VP9 yuva420p without alt-ref frames (libvpx drops alpha otherwise), realtime, Opus', () => {
    const args = outputArgs(video, audio, { kind: 'file', path: 'a.webm', format: 'webm-alpha' });
    expect(after(args, '-c:v')).toBe('libvpx-vp9');
    expect(after(args, '-pix_fmt')).toBe('yuva420p');
    expect(after(args, '-auto-alt-ref')).toBe('0');
    expect(after(args, '-deadline')).toBe('realtime');
    expect(after(args, '-c:a')).toBe('libopus');
    expect(args.slice(-4)).toEqual(['-f', 'webm', '-y', 'a.webm']);
  });

  it('MOV with alpha: ProRes 4444 (profile 4) yuva444p10le and PCM audio', () => {
    const args = outputArgs(video, audio, { kind: 'file', path: 'a.mov', format: 'mov-alpha' });
    expect(after(args, '-c:v')).toBe('prores_aw');
    expect(after(args, '-profile:v')).toBe('4');
    expect(after(args, '-pix_fmt')).toBe('yuva444p10le');
    expect(after(args, '-c:a')).toBe('pcm_s16le');
    expect(args.slice(-4)).toEqual(['-f', 'mov', '-y', 'a.mov']);
  });

  it('RTMP: H.264 baseline zerolatency + AAC in FLV, no -y', () => {
    const args = outputArgs({ ...video, fps: 30 }, audio, { kind: 'rtmp', url: 'rtmp://h:1935/live/s' });
    expect(after(args, '-profile:v')).toBe('baseline');
    expect(after(args, '-tune')).toBe('zerolatency');
    expect(after(args, '-g')).toBe('60');
    expect(after(args, '-c:a')).toBe('aac');
    expect(after(args, '-aac_coder')).toBe('fast');
    expect(args).not.toContain('-threads');
    // A stream's bitrate follows the picture (crf), unlike a file's constant quantizer.
    expect(args).not.toContain('-qp');
    expect(args.slice(-3)).toEqual(['-f', 'flv', 'rtmp://h:1935/live/s']);
    expect(args).not.toContain('-y');
  });

  it('RTP VP8: two outputs, video then Opus audio, 1200-byte packets to 127.0.0.1', () => {
    const args = outputArgs(video, audio, {
      kind: 'rtp',
      videoPort: 5004,
      audioPort: 5006,
      videoCodec: 'vp8',
    });
    expect(args.join(' ')).toBe(
      '-map 0:v:0 -c:v libvpx -deadline realtime -cpu-used 8 -b:v 1M -pix_fmt yuv420p -g 50 ' +
        '-f rtp rtp://127.0.0.1:5004?pkt_size=1200 ' +
        '-map 1:a:0 -c:a libopus -b:a 64k -ar 48000 -f rtp rtp://127.0.0.1:5006?pkt_size=1200',
    );
  });

  it('RTP H.264: baseline with Annex B bitstream filter, custom host', () => {
    const args = outputArgs(video, audio, {
      kind: 'rtp',
      videoPort: 6000,
      audioPort: 6002,
      videoCodec: 'h264',
      host: '10.0.0.2',
    });
    expect(after(args, '-profile:v')).toBe('baseline');
    expect(after(args, '-bsf:v')).toBe('h264_mp4toannexb');
    expect(args.filter((a) => a.startsWith('rtp://'))).toEqual([
      'rtp://10.0.0.2:6000?pkt_size=1200',
      'rtp://10.0.0.2:6002?pkt_size=1200',
    ]);
  });
});

describe('filter graphs (compositions)', () => {
  const filter = { images: ['/pics/bg.png', 'logo.png'], graph: '[0:v][2:v]overlay[vout]' };

  it('adds the images as inputs 2.. (file: URLs, absolute), the graph, and encodes its output instead of the frames', () => {
    const target = { kind: 'file' as const, path: '/tmp/o.mp4', format: 'mp4' as const };
    const args = buildFfmpegArgs({ video, audio, target, filter });
    const plain = buildFfmpegArgs({ video, audio, target });
    const inputsEnd = plain.indexOf('pipe:3') + 1;
    expect(args.slice(0, inputsEnd)).toEqual(plain.slice(0, inputsEnd));
    expect(args.slice(inputsEnd, inputsEnd + 6)).toEqual([
      ...['-i', 'file:/pics/bg.png', '-i', `file:${process.cwd()}/logo.png`],
      ...['-filter_complex', '[0:v][2:v]overlay[vout]'],
    ]);
    expect(args.slice(inputsEnd + 6)).toEqual([
      '-map',
      '[vout]',
      '-map',
      '1:a:0',
      ...plain.slice(inputsEnd + 4),
    ]);
  });

  it('is for files only', () => {
    expect(() =>
      buildFfmpegArgs({ video, audio, target: { kind: 'rtmp', url: 'rtmp://h/a' }, filter }),
    ).toThrow(/file target/);
  });

  it('aacFileRate: the input rate when AAC has it, 48 kHz otherwise', () => {
    expect(aacFileRate(24_000)).toBe('24000');
    expect(aacFileRate(44_100)).toBe('44100');
    expect(aacFileRate(48_000)).toBe('48000');
    // Not an MPEG-4 sampling frequency, or below the 16 kHz floor kept for a file.
    expect(aacFileRate(23_000)).toBe('48000');
    expect(aacFileRate(8_000)).toBe('48000');
  });

  it('fileCodecArgs: what outputArgs writes for a file, without maps and path', () => {
    for (const format of ['mp4', 'webm', 'webm-alpha', 'mov-alpha'] as const) {
      const args = outputArgs(video, audio, { kind: 'file', path: 'x', format });
      expect(args.slice(4, -2)).toEqual(
        fileCodecArgs(video, format, { aacRate: '24000', picture: 'rendered' }),
      );
    }
  });

  it("fileCodecArgs: footage (joined clips) keeps x264's crf, whose quantizer follows the picture", () => {
    const footage = fileCodecArgs(video, 'mp4');
    expect(footage).not.toContain('-qp');
    expect(footage).not.toContain('-crf');
    expect(after(footage, '-ar')).toBe('48000');
    expect(after(fileCodecArgs(video, 'mp4', { picture: 'rendered' }), '-qp')).toBe('16');
  });

  it('fileUrl: never read as another protocol or an option', () => {
    expect(fileUrl('/a/http://b.png')).toBe('file:/a/http:/b.png');
    expect(fileUrl('-i')).toBe(`file:${process.cwd()}/-i`);
  });
});

/**
 * Pure builders for the ffmpeg command line behind every server-rendered stream and video: raw RGBA (or I420)
 * frames on stdin, mono PCM on fd 3 (an endless float WAV, see wav-stream.ts), and one output chosen by an
 * {@link EncoderTarget}. The codec settings are the ones measured in docs (components.md, "Video pipeline"): x264
 * `ultrafast`/`zerolatency`, VP8 realtime.
 */
import { resolve } from 'node:path';
import { wavInputArgs } from './wav-stream.js';

export interface VideoInputFormat {
  /** Frame width in pixels; even, because every output is yuv420p. */
  width: number;
  /** Frame height in pixels; even. */
  height: number;
  /** Frames per second of the raw input; also sets the keyframe interval (2 s). */
  fps: number;
  /**
   * How the frames on stdin are laid out (default `rgba`), rows top down:
   * - `rgba`: 4 bytes a pixel, straight alpha (not premultiplied), as ffmpeg's `rgba` means it and every
   *   consumer (the VP9 and ProRes alpha planes, `overlay`) blends it. Premultiplied input would darken
   *   translucent edges.
   * - `yuv420p`: planar I420 (the Y plane, then U and V at half width and height), BT.601 limited range, for
   *   opaque frames going to H.264: what x264 encodes, so ffmpeg converts nothing. Against `bgr24` (the fastest
   *   RGB input of ffmpeg 5.1's swscale; `rgba` is slower still), the same 235 frames piped into an MP4 took
   *   0.40–0.61 s of ffmpeg CPU at 512² instead of 0.59–0.76 s, and 1.40–1.65 s at 720p instead of 1.86–1.95 s,
   *   and half the bytes cross the pipe.
   */
  pixelFormat?: RawPixelFormat;
}

/** The raw pixel formats the encoder reads (see {@link VideoInputFormat.pixelFormat}). */
export type RawPixelFormat = 'rgba' | 'yuv420p';

/** Bytes of one raw frame. */
export function rawFrameBytes(video: VideoInputFormat): number {
  const pixels = video.width * video.height;
  return video.pixelFormat === 'yuv420p' ? pixels * 1.5 : pixels * 4;
}

export interface AudioInputFormat {
  /** Sample rate of the mono PCM on fd 3. */
  sampleRate: number;
}

/**
 * A file, overwritten if it exists: `mp4` (H.264 + AAC), `webm` (VP8 + Opus), or one keeping the input's alpha:
 * `webm-alpha` (VP9 with an alpha plane + Opus) and `mov-alpha` (ProRes 4444 with alpha + 16-bit PCM).
 */
export interface FileTarget {
  kind: 'file';
  path: string;
  format: FileFormat;
}

export type FileFormat = 'mp4' | 'webm' | 'webm-alpha' | 'mov-alpha';

/** An RTMP push: H.264 baseline (zerolatency) + AAC in FLV. */
export interface RtmpTarget {
  kind: 'rtmp';
  url: string;
}

/** Two RTP streams (video and audio) to UDP ports that Node owns, for WebRTC. Opus audio. */
export interface RtpTarget {
  kind: 'rtp';
  videoPort: number;
  audioPort: number;
  videoCodec: 'vp8' | 'h264';
  /** Destination address; default 127.0.0.1. */
  host?: string;
}

/**
 * A live session's outputs from one encode: the video is encoded once and fanned out with ffmpeg's `tee` muxer.
 * At least one output must be present. Keyframes come every second so a late WebRTC, HLS or RTMP viewer starts
 * within a second.
 */
export interface LiveTarget {
  kind: 'live';
  /** WebRTC feed: H.264 RTP and Opus RTP to UDP ports that Node owns. */
  rtp?: { videoPort: number; audioPort: number; host?: string };
  /** HLS: H.264 + AAC segments and `index.m3u8` in `dir` (a path of plain characters: letters, digits, `/._-`). */
  hls?: { dir: string; segmentSeconds?: number; listSize?: number };
  /** RTMP push: H.264 + AAC in FLV. A failed push ends ffmpeg (the caller retries). */
  rtmp?: { url: string };
}

export type EncoderTarget = FileTarget | RtmpTarget | RtpTarget | LiveTarget;

export interface FfmpegArgsOptions {
  video: VideoInputFormat;
  audio: AudioInputFormat;
  target: EncoderTarget;
  /** Pictures composed around the frames by ffmpeg; file targets only. */
  filter?: VideoFilterGraph;
}

/**
 * A composition done by ffmpeg rather than the render worker: still images as inputs 2, 3, … (after the frames
 * and the audio) and a `-filter_complex` graph that reads `[0:v]` and them and ends in `[vout]`, which is encoded
 * in place of the frames. The output's size is whatever the graph makes; `video` describes the input frames.
 */
export interface VideoFilterGraph {
  /** Local image files, in input order; each gives its frame(s) once (a graph repeats them with `loop`). */
  images: readonly string[];
  graph: string;
}

/** RTP payload size that fits a 1500-byte MTU with room for SRTP and TURN overhead. */
const RTP_PACKET_SIZE = 1200;
/** A keyframe every 2 s: short enough for a late WebRTC/RTMP viewer, long enough to keep bitrate low. */
const KEYFRAME_SECONDS = 2;
/**
 * Streams (AAC for RTMP/HLS, Opus for WebRTC) and clips joined from other sources encode at 48 kHz whatever the
 * input rate (Opus supports only 8/12/16/24/48 kHz anyway, and players expect 48 kHz on a live stream).
 */
const OUTPUT_SAMPLE_RATE = '48000';
/**
 * Rates an AAC file keeps as they come (the MPEG-4 sampling frequencies from 16 kHz up). A rendered video's sound
 * is speech at the session rate (24 kHz): raising it to 48 kHz adds nothing a listener hears, and it doubles the
 * AAC encoder's work: 9.4 s of speech took 0.13 s of CPU at 48 kHz and 0.07 s at 24 kHz (about 3 % of a
 * 512² render).
 */
const AAC_FILE_RATES = new Set([16_000, 22_050, 24_000, 32_000, 44_100, 48_000, 64_000, 88_200, 96_000]);

/** The rate an AAC file is encoded at for input at `inputRate`: the input's own, if AAC has it, else 48 kHz. */
export function aacFileRate(inputRate: number): string {
  return AAC_FILE_RATES.has(inputRate) ? String(inputRate) : OUTPUT_SAMPLE_RATE;
}

/** Arguments before the inputs: quiet, no progress lines, no keyboard interaction. */
export function globalArgs(): string[] {
  return ['-hide_banner', '-loglevel', 'error', '-nostats', '-nostdin'];
}

/**
 * Both inputs are fully described by their flags, so ffmpeg must not probe them: by default it reads up to 5 s
 * of one input before opening the next, while a caller feeding both side by side is blocked on the other pipe,
 * and the two deadlock (measured: 2 s of 320×240 hung forever without these, finished in 0.2 s with them).
 */
const NO_PROBE = ['-probesize', '32', '-analyzeduration', '0'];

/**
 * Input 0: raw frames on stdin, in `video.pixelFormat` (default RGBA). Input 1: mono float WAV on fd 3, read in
 * 20 ms packets (wav-stream.ts says why).
 */
export function inputArgs(video: VideoInputFormat, audio: AudioInputFormat): string[] {
  return [
    ...NO_PROBE,
    ...[
      '-f',
      'rawvideo',
      '-pix_fmt',
      video.pixelFormat ?? 'rgba',
      '-s',
      `${video.width}x${video.height}`,
      '-r',
      String(video.fps),
    ],
    ...['-i', 'pipe:0'],
    ...NO_PROBE,
    ...wavInputArgs(audio.sampleRate),
  ];
}

function gop(video: VideoInputFormat): string {
  return String(Math.max(1, Math.round(video.fps * KEYFRAME_SECONDS)));
}

/**
 * A file's x264 runs on one thread. zerolatency's sliced threads (three on 2 cores) help a live frame out sooner
 * but cost CPU keeping the slices in step, and a file is made as fast as the CPU allows, beside the render
 * workers: 235 frames (9.4 s) from I420, mean of 5 runs, took 0.73 → 0.67 s of ffmpeg CPU at 512² and
 * 1.67 → 1.52 s at 720p. One thread still encodes 720p at about 170 fps, more than the render feeds it.
 */
const FILE_X264_THREADS = ['-threads', '1'];

/**
 * x264's quality for a file of what dhuman draws: a constant quantizer rather than x264's default rate factor
 * (crf 23). For its rate control crf analyses a half-size copy of every frame, which at 720p was a sixth of
 * ffmpeg's CPU: 235 frames from I420 took 1.42 s of CPU with crf 23 and 1.17 s at qp 16 (0.56 and 0.54 s at
 * 512²). On the avatar, crf 23 itself settles on quantizers 15–17 (P frames; I frames 2–3 lower, as qp gives
 * them), so qp 16 is the same picture: 955 KB at 512² instead of 927 KB, 1.51 MB at 720p instead of 1.59 MB;
 * PSNR against the frames 56.2 dB instead of 56.7 at 512², 58.6 instead of 60.8 at 720p (45 is already
 * indistinguishable). A still background picture costs no more (its blocks repeat from frame to frame).
 */
const RENDERED_X264_QUALITY = ['-qp', '16'];
/**
 * x264's quality for footage made elsewhere (intro and outro clips joined to a video): crf 23, whose quantizer
 * follows the picture, where a fixed one would spend many times the bits on a camera's detail and noise. So does
 * a live stream's, whose bitrate must stay in bounds.
 */
const FOOTAGE_X264_QUALITY: readonly string[] = [];

/** What a file's frames are: drawn by dhuman (`rendered`), or any video, clips made elsewhere among them. */
export type FilePicture = 'rendered' | 'footage';

function x264Args(video: VideoInputFormat, baseline: boolean, threads: readonly string[] = []): string[] {
  return [
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', ...threads],
    ...(baseline ? ['-profile:v', 'baseline'] : []),
    ...['-pix_fmt', 'yuv420p', '-g', gop(video)],
  ];
}

function vp8Args(video: VideoInputFormat): string[] {
  return [
    ...['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '1M'],
    ...['-pix_fmt', 'yuv420p', '-g', gop(video)],
  ];
}

/**
 * VP9 keeps alpha only as `yuva420p` and only without alt-ref frames (libvpx encodes the alpha plane as a second
 * stream that cannot have them). Realtime at cpu-used 8 is the fastest setting: 512² encoded at about 4.6× real
 * time per core, where `-deadline good -cpu-used 5` managed 0.45×. Constant quality (crf 32) rather than a fixed
 * bitrate: a flat-shaded avatar needs far less than 1 Mbit/s (20 s at 512²: 0.67 MB instead of 3 MB, same speed).
 */
function vp9AlphaArgs(video: VideoInputFormat): string[] {
  return [
    ...['-c:v', 'libvpx-vp9', '-pix_fmt', 'yuva420p', '-auto-alt-ref', '0'],
    ...['-deadline', 'realtime', '-cpu-used', '8', '-row-mt', '1', '-crf', '32', '-b:v', '0'],
    ...['-g', gop(video)],
  ];
}

/**
 * ProRes 4444 with alpha. `prores_aw` rather than `prores_ks`: both write profile 4444 with an alpha plane that
 * decodes the same, but prores_ks ran at about 1× real time at 512² (one core, 19 s of CPU for 20 s of video)
 * and prores_aw about 2.7× per core, with frame threads. ProRes is intra-only, so no GOP setting.
 */
function proresAlphaArgs(): string[] {
  return ['-c:v', 'prores_aw', '-profile:v', '4', '-pix_fmt', 'yuva444p10le'];
}

/** Uncompressed audio beside ProRes, as editing tools expect in a .mov. */
function pcmArgs(): string[] {
  return ['-c:a', 'pcm_s16le', '-ar', OUTPUT_SAMPLE_RATE];
}

/**
 * ffmpeg's native AAC encoder with its `fast` coder rather than the default `twoloop`: twoloop's rate search took
 * about 0.4 s of CPU per 9 s of 24 kHz speech at 48 kHz (1.7 ms per 25 fps video frame, as much as x264 spends
 * on a 512² frame), fast about 0.16 s. At 96 kbit/s for one voice the difference is not audible.
 */
const AAC_CODER = 'fast';

function aacArgs(rate = OUTPUT_SAMPLE_RATE): string[] {
  return ['-c:a', 'aac', '-aac_coder', AAC_CODER, '-b:a', '96k', '-ar', rate];
}

function opusArgs(): string[] {
  return ['-c:a', 'libopus', '-b:a', '64k', '-ar', OUTPUT_SAMPLE_RATE];
}

const MAP_BOTH = ['-map', '0:v:0', '-map', '1:a:0'];
/** The filter graph's output label (see {@link VideoFilterGraph}). */
export const FILTER_OUTPUT = '[vout]';

/** Output arguments for one target (two outputs for RTP). */
export function outputArgs(
  video: VideoInputFormat,
  audio: AudioInputFormat,
  target: EncoderTarget,
): string[] {
  switch (target.kind) {
    case 'file':
      return fileOutputArgs(video, audio, target);
    case 'rtmp':
      return [...MAP_BOTH, ...x264Args(video, true), ...aacArgs(), '-f', 'flv', target.url];
    case 'live':
      return liveOutputArgs(video, target);
    case 'rtp': {
      const host = target.host ?? '127.0.0.1';
      const url = (port: number) => `rtp://${host}:${port}?pkt_size=${RTP_PACKET_SIZE}`;
      const videoCodec =
        target.videoCodec === 'vp8'
          ? vp8Args(video)
          : [...x264Args(video, true), '-bsf:v', 'h264_mp4toannexb'];
      return [
        ...['-map', '0:v:0', ...videoCodec, '-f', 'rtp', url(target.videoPort)],
        ...['-map', '1:a:0', ...opusArgs(), '-f', 'rtp', url(target.audioPort)],
      ];
    }
  }
}

function fileOutputArgs(
  video: VideoInputFormat,
  audio: AudioInputFormat,
  target: FileTarget,
  maps = MAP_BOTH,
): string[] {
  const codecs = fileCodecArgs(video, target.format, {
    aacRate: aacFileRate(audio.sampleRate),
    picture: 'rendered',
  });
  return [...maps, ...codecs, '-y', target.path];
}

/**
 * The codecs and muxer of a file format, without inputs, maps or path: what {@link outputArgs} writes for a
 * file, for other commands that must make the same files (joining clips). `aacRate` is an MP4's sound rate:
 * 48 kHz unless given (see {@link aacFileRate}); `picture` (default `footage`) sets an MP4's x264 quality.
 */
export function fileCodecArgs(
  video: VideoInputFormat,
  format: FileFormat,
  { aacRate = OUTPUT_SAMPLE_RATE, picture = 'footage' }: { aacRate?: string; picture?: FilePicture } = {},
): string[] {
  switch (format) {
    case 'mp4':
      return [
        ...x264Args(video, false, FILE_X264_THREADS),
        ...(picture === 'rendered' ? RENDERED_X264_QUALITY : FOOTAGE_X264_QUALITY),
        ...aacArgs(aacRate),
        ...['-movflags', '+faststart', '-f', 'mp4'],
      ];
    case 'webm':
      return [...vp8Args(video), ...opusArgs(), '-f', 'webm'];
    case 'webm-alpha':
      return [...vp9AlphaArgs(video), ...opusArgs(), '-f', 'webm'];
    case 'mov-alpha':
      return [...proresAlphaArgs(), ...pcmArgs(), '-f', 'mov'];
  }
}

/** A live stream's keyframe interval: one second. */
const LIVE_KEYFRAME_SECONDS = 1;
const SAFE_PATH = /^[A-Za-z0-9/._-]+$/;

/** Escapes a tee slave's file name or URL: `|` separates slaves, and `\` and `'` are tee's escape characters. */
function teeName(name: string): string {
  return name.replace(/[\\|']/g, (c) => `\\${c}`);
}

function liveOutputArgs(video: VideoInputFormat, target: LiveTarget): string[] {
  const { rtp, hls, rtmp } = target;
  if (!rtp && !hls && !rtmp) throw new RangeError('a live target needs at least one output (rtp, hls, rtmp)');
  if (hls && !SAFE_PATH.test(hls.dir)) {
    throw new RangeError(
      `HLS directory must be letters, digits and /._- only, got ${JSON.stringify(hls.dir)}`,
    );
  }
  // Output streams: 0 = H.264; then Opus when there is RTP; then AAC when there is HLS or RTMP.
  const streams: string[] = ['-map', '0:v:0'];
  const codecs: string[] = [
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline'],
    ...['-pix_fmt', 'yuv420p', '-g', String(Math.max(1, Math.round(video.fps * LIVE_KEYFRAME_SECONDS)))],
  ];
  let next = 1;
  let opus = -1;
  let aac = -1;
  if (rtp) {
    opus = next++;
    streams.push('-map', '1:a:0');
    codecs.push(
      `-c:a:${opus - 1}`,
      'libopus',
      `-b:a:${opus - 1}`,
      '64k',
      `-ar:a:${opus - 1}`,
      OUTPUT_SAMPLE_RATE,
    );
  }
  if (hls || rtmp) {
    aac = next++;
    streams.push('-map', '1:a:0');
    codecs.push(`-c:a:${aac - 1}`, 'aac', `-aac_coder:a:${aac - 1}`, AAC_CODER);
    codecs.push(`-b:a:${aac - 1}`, '96k', `-ar:a:${aac - 1}`, OUTPUT_SAMPLE_RATE);
  }
  const slaves: string[] = [];
  if (rtp) {
    const host = rtp.host ?? '127.0.0.1';
    slaves.push(`[f=rtp:select=0]rtp://${host}:${rtp.videoPort}?pkt_size=${RTP_PACKET_SIZE}`);
    slaves.push(`[f=rtp:select=${opus}]rtp://${host}:${rtp.audioPort}?pkt_size=${RTP_PACKET_SIZE}`);
  }
  if (rtmp) slaves.push(`[f=flv:select=\\'0,${aac}\\':onfail=abort]${teeName(rtmp.url)}`);
  if (hls) {
    const options = [
      'f=hls',
      `select=\\'0,${aac}\\'`,
      `hls_time=${hls.segmentSeconds ?? 1}`,
      `hls_list_size=${hls.listSize ?? 6}`,
      'hls_flags=delete_segments+independent_segments',
      `hls_segment_filename=${hls.dir}/seg%05d.ts`,
    ];
    slaves.push(`[${options.join(':')}]${hls.dir}/index.m3u8`);
  }
  // The tee output holds every packet until each of its streams has one queued (libavformat's interleaving, up
  // to 10 s by default). Raw PCM arrives in 85 ms packets (the s16le demuxer reads 2048 samples at 24 kHz) and
  // AAC leaves in 21.3 ms frames, so video frames came out in bursts: gaps of 70–90 ms every 320 ms. Each slave
  // interleaves its own streams anyway, so the tee need not wait: a delta of 1 µs writes every packet as soon
  // as the next one arrives (gap p99 48 ms instead of 88; live-rtp-pacing-long.test.ts).
  return [...streams, ...codecs, '-max_interleave_delta', '1', '-f', 'tee', slaves.join('|')];
}

/** The whole argument list (without the `ffmpeg` command itself). Throws `RangeError` on a bad format. */
export function buildFfmpegArgs(options: FfmpegArgsOptions): string[] {
  validateFormat(options.video, options.audio);
  const { filter, target } = options;
  if (filter === undefined) {
    return [
      ...globalArgs(),
      ...inputArgs(options.video, options.audio),
      ...outputArgs(options.video, options.audio, target),
    ];
  }
  if (target.kind !== 'file') throw new RangeError(`a filter graph needs a file target, not ${target.kind}`);
  return [
    ...globalArgs(),
    ...inputArgs(options.video, options.audio),
    ...filter.images.flatMap((path) => ['-i', fileUrl(path)]),
    ...['-filter_complex', filter.graph],
    ...fileOutputArgs(options.video, options.audio, target, ['-map', FILTER_OUTPUT, '-map', '1:a:0']),
  ];
}

/**
 * Input options that restrict ffmpeg/ffprobe to reading one local file as one of `demuxers`: for files from
 * outside, which may pose as media. A playlist (HLS, ffconcat) opened without them makes ffmpeg read whatever
 * other files it names.
 */
export function inputGuards(demuxers: readonly string[]): string[] {
  return ['-protocol_whitelist', 'file', '-format_whitelist', demuxers.join(',')];
}

/**
 * A local path as ffmpeg's `file:` URL, so that nothing in it is read as another protocol (`http:`, `concat:`, …)
 * or, relative, as an option.
 */
export function fileUrl(path: string): string {
  return `file:${resolve(path)}`;
}

function validateFormat(video: VideoInputFormat, audio: AudioInputFormat): void {
  for (const [name, value] of [
    ['width', video.width],
    ['height', video.height],
  ] as const) {
    if (!Number.isInteger(value) || value <= 0 || value % 2 !== 0) {
      throw new RangeError(`video ${name} must be a positive even integer (yuv420p), got ${value}`);
    }
  }
  if (!(video.fps > 0) || !Number.isFinite(video.fps))
    throw new RangeError(`video fps must be > 0, got ${video.fps}`);
  const { pixelFormat } = video;
  if (pixelFormat !== undefined && pixelFormat !== 'rgba' && pixelFormat !== 'yuv420p') {
    throw new RangeError(`video pixelFormat must be rgba or yuv420p, got ${JSON.stringify(pixelFormat)}`);
  }
  if (!Number.isInteger(audio.sampleRate) || audio.sampleRate <= 0) {
    throw new RangeError(`audio sampleRate must be a positive integer, got ${audio.sampleRate}`);
  }
}

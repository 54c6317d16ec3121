import type { VideoInputFormat } from '../encoder/ffmpeg-args.js';
import { fileCodecArgs, fileUrl, globalArgs, inputGuards } from '../encoder/ffmpeg-args.js';
import { CLIP_DEMUXERS, type ClipInfo } from './concat-clips-probe.js';
import type { VideoOutput } from './video-types.js';

/** One clip to join and the whole frames it gets on the output's clock. */
export interface PlannedClip {
  path: string;
  info: ClipInfo;
  frames: number;
}

/**
 * Audio is joined at 48 kHz, the usual rate of clips made elsewhere (a rendered main clip's 24 kHz speech is
 * raised to it) and the rate `fileCodecArgs` writes by default.
 */
const SAMPLE_RATE = 48_000;

/** Per output format: the picture joined in (alpha formats keep alpha, opaque inputs become opaque) and the
 *  colour of the bars around a clip of another shape (none, on the transparent formats). */
const PICTURE = {
  mp4: { pixFmt: 'yuv420p', pad: 'black' },
  'webm-alpha': { pixFmt: 'yuva420p', pad: 'black@0' },
  'mov-alpha': { pixFmt: 'yuva444p', pad: 'black@0' },
} as const;

/**
 * The ffmpeg arguments joining `clips` into `output`: each clip scaled to fit width×height (aspect kept, padded),
 * resampled to the output's rate and cut or stretched (last frame held) to exactly its planned frames, its audio
 * resampled to 48 kHz and cut or padded with silence to the same length (silence for a clip without audio), then
 * the clips back to back with ffmpeg's `concat` filter and encoded as renderVideo encodes that format.
 *
 * Exact lengths per clip keep picture and sound together across the joins and make the total known beforehand,
 * for progress and for the caller's timings (the intro's length shifts the main clip's subtitles).
 */
export function concatArgs(
  clips: readonly PlannedClip[],
  output: VideoOutput,
  video: VideoInputFormat,
): string[] {
  const { width, height, fps } = video;
  const picture = PICTURE[output.format];
  const alpha = output.format !== 'mp4';
  const layout = clips.some((c) => (c.info.audioChannels ?? 0) >= 2) ? 'stereo' : 'mono';
  const audioFormat = `aformat=sample_fmts=fltp:sample_rates=${SAMPLE_RATE}:channel_layouts=${layout}`;
  const inputs: string[] = [];
  const chains: string[] = [];
  clips.forEach((clip, i) => {
    // ffmpeg's own VP8/VP9 decoders drop the alpha plane; libvpx keeps it.
    const decoder = alpha ? { vp8: 'libvpx', vp9: 'libvpx-vp9' }[clip.info.videoCodec] : undefined;
    inputs.push(
      ...(decoder ? ['-c:v', decoder] : []),
      ...inputGuards(CLIP_DEMUXERS),
      '-i',
      fileUrl(clip.path),
    );
    const samples = Math.round((clip.frames / fps) * SAMPLE_RATE);
    chains.push(
      `[${i}:v]scale=${width}:${height}:force_original_aspect_ratio=decrease,format=${picture.pixFmt},` +
        `pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2:color=${picture.pad},setsar=1,` +
        `fps=fps=${fps}:start_time=0,tpad=stop_mode=clone:stop=-1,trim=end_frame=${clip.frames}[v${i}]`,
    );
    chains.push(
      clip.info.audioChannels === undefined
        ? `anullsrc=r=${SAMPLE_RATE}:cl=${layout},${audioFormat},atrim=end_sample=${samples}[a${i}]`
        : `[${i}:a]aresample=${SAMPLE_RATE},${audioFormat},apad,atrim=end_sample=${samples},` +
            `asetpts=N/SR/TB[a${i}]`,
    );
  });
  const segments = clips.map((_, i) => `[v${i}][a${i}]`).join('');
  chains.push(`${segments}concat=n=${clips.length}:v=1:a=1[vout][aout]`);
  return [
    ...globalArgs(),
    ...inputs,
    ...['-filter_complex', chains.join(';')],
    ...['-map', '[vout]', '-map', '[aout]'],
    // Intro and outro clips are anyone's footage: x264's crf, not the rendered picture's fixed quantizer.
    ...fileCodecArgs(video, output.format, { picture: 'footage' }),
    ...['-y', output.path],
  ];
}

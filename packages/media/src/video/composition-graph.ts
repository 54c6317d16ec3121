import type { VideoFilterGraph } from '../encoder/ffmpeg-args.js';
import { FILTER_OUTPUT } from '../encoder/ffmpeg-args.js';
import type { CompositionSettings } from './composition-settings.js';
import type { VideoSettings } from './video-settings.js';
import type { VideoBackground, VideoFormat } from './video-types.js';

/** How the render worker and ffmpeg share a composed video. */
export interface CompositionLayout {
  /** The size the worker draws the avatar at: the frame, or smaller when the avatar is scaled down. */
  layer: { width: number; height: number };
  /** What the worker paints behind the avatar: the video's background, or nothing when ffmpeg puts one under. */
  layerBackground: VideoBackground;
  filter: VideoFilterGraph;
}

/**
 * The picture ffmpeg composes in, per output: the encoder's own pixel format (with alpha for the alpha formats),
 * so that every overlay blends in place and the encoder converts nothing more. ProRes keeps full chroma.
 */
const WORK: Record<VideoFormat, { pixFmt: string; overlay: string }> = {
  mp4: { pixFmt: 'yuv420p', overlay: 'yuv420' },
  'webm-alpha': { pixFmt: 'yuva420p', overlay: 'yuv420' },
  'mov-alpha': { pixFmt: 'yuva444p', overlay: 'yuv444' },
};

/**
 * Lays out a composition as a layer for the worker and an ffmpeg graph over it.
 *
 * With a background image or a moved avatar, the worker draws the avatar alone on a transparent layer and
 * ffmpeg puts it over a base: the background image (scaled to cover and cropped, once, then repeated by `loop`:
 * decoding a 1080p PNG again for every frame cost 20 ms a frame at 720p) or the background colour. An avatar
 * scaled down is drawn at its final size (fewer pixels for the worker, sharp edges); scaled up, ffmpeg enlarges
 * it (drawing 9× the pixels would slow the worker, which is the bottleneck, far more than ffmpeg's scaling costs).
 * Turning it is ffmpeg's `rotate`, the one costly part: about 9 ms of CPU a frame at 512² and 34 ms at 720p
 * (bilinear over the whole layer), which makes ffmpeg the slower side. Without those the worker draws its
 * picture as usual and ffmpeg only adds what goes on top: logos, then subtitles (libass, writing alpha too so
 * that text on a transparent video is opaque).
 */
export function compositionLayout(
  composition: CompositionSettings,
  video: Pick<VideoSettings, 'width' | 'height' | 'fps' | 'format' | 'background'>,
  subtitlesPath?: string,
): CompositionLayout {
  const { width, height, format } = video;
  const work = WORK[format];
  const images: string[] = [];
  const input = (path: string): string => {
    images.push(path);
    return `[${images.length + 1}:v]`;
  };
  const chains: string[] = [];
  let labels = 0;
  let current = '[0:v]';
  const step = (chain: (from: string) => string): void => {
    const to = `[c${labels++}]`;
    chains.push(`${chain(current)}${to}`);
    current = to;
  };

  const avatar = composition.avatar;
  const layered = composition.backgroundImage !== undefined || avatar !== undefined;
  const scale = avatar?.scale ?? 1;
  const layer = scale < 1 ? { width: even(width * scale), height: even(height * scale) } : { width, height };
  if (layered) {
    chains.push(base(composition.backgroundImage, video, work.pixFmt, input));
    const turn: string[] = [];
    if (scale > 1) turn.push(`scale=${even(width * scale)}:${even(height * scale)}`);
    if (avatar !== undefined && avatar.angleDeg !== 0) {
      const radians = num((avatar.angleDeg * Math.PI) / 180, 6);
      turn.push(`rotate=${radians}:ow=rotw(${radians}):oh=roth(${radians}):c=none`);
    }
    let layerLabel = '[0:v]';
    if (turn.length > 0) {
      chains.push(`[0:v]${turn.join(',')}[avatar]`);
      layerLabel = '[avatar]';
    }
    const x = `(W-w)/2+(${num(avatar?.x ?? 0)})`;
    const y = `(H-h)/2+(${num(avatar?.y ?? 0)})`;
    // The base never ends (a colour source, or a looped picture): the avatar's last frame ends the video.
    step(() => `[base]${layerLabel}overlay=x=${x}:y=${y}:shortest=1:format=${work.overlay}`);
  }
  for (const logo of composition.logos) {
    const image = input(logo.path);
    // At least one pixel: a tiny scale on a small image would otherwise ask for a 0-pixel picture and fail.
    const size = (side: string) => `max(1\\,round(${side}*${num(logo.scale)}))`;
    const scaled = logo.scale === 1 ? image : `[logo${images.length}]`;
    if (logo.scale !== 1) chains.push(`${image}scale=${size('iw')}:${size('ih')}${scaled}`);
    step((from) => `${from}${scaled}overlay=x=${num(logo.x)}:y=${num(logo.y)}:format=${work.overlay}`);
  }
  if (subtitlesPath !== undefined) {
    const alpha = format === 'mp4' ? '' : ':alpha=1';
    step((from) => `${from}ass=filename=${filterPath(subtitlesPath)}${alpha}`);
  }
  // The last step writes the graph's output.
  const last = chains.length - 1;
  chains[last] = `${chains[last]?.slice(0, -current.length)}${FILTER_OUTPUT}`;
  return {
    layer,
    layerBackground: layered ? 'transparent' : video.background,
    filter: { images, graph: chains.join(';') },
  };
}

/** The chain making `[base]`: a frame-sized picture for every frame, in the work pixel format. */
function base(
  image: string | undefined,
  video: Pick<VideoSettings, 'width' | 'height' | 'fps' | 'background'>,
  pixFmt: string,
  input: (path: string) => string,
): string {
  const { width, height, fps, background } = video;
  const colour = background === 'transparent' ? 'black@0' : `0x${background.color.slice(1)}`;
  const fill = `color=c=${colour}:s=${width}x${height}`;
  if (image === undefined) return `${fill}:r=${num(fps)},format=${pixFmt}[base]`;
  // Once: cover and crop the picture, lay it on the background colour (for its transparent parts), convert it.
  // Then `loop` hands out that one frame again and again, and setpts times them at the video's rate.
  return (
    `${fill},trim=end_frame=1[fill];` +
    `${input(image)}scale=${width}:${height}:force_original_aspect_ratio=increase,crop=${width}:${height},` +
    `setsar=1[picture];[fill][picture]overlay,format=${pixFmt},loop=loop=-1:size=1:start=0,` +
    `setpts=N/(${num(fps)}*TB)[base]`
  );
}

/** The nearest even integer, at least 2: the encoders' chroma is subsampled by two. */
function even(value: number): number {
  return Math.max(2, 2 * Math.round(value / 2));
}

/** A number for a filter expression: fixed-point (never `1e-7`), trailing zeros dropped. */
function num(value: number, digits = 3): string {
  return String(Number(value.toFixed(digits)));
}

/**
 * A path as the value of a filter option inside a -filter_complex graph: escaped once for the option parser
 * (`\`, `'`, `:`) and again for the graph parser (`\`, `'`, `[`, `]`, `,`, `;`), as ffmpeg's "Notes on filtergraph
 * escaping" describe.
 */
export function filterPath(path: string): string {
  const option = path.replace(/[\\':]/g, (c) => `\\${c}`);
  return option.replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

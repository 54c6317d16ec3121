import { availableParallelism } from 'node:os';
import type { AvatarManifest } from '@dhuman/avatar';
import type { SpeechSegment } from '@dhuman/core';
import type { SubtitleCue } from './subtitles.js';

/**
 * The containers a video can be made in: `mp4` (H.264 + AAC, opaque), `webm-alpha` (VP9 with an alpha plane +
 * Opus) and `mov-alpha` (ProRes 4444 with alpha + PCM).
 */
export type VideoFormat = 'mp4' | 'webm-alpha' | 'mov-alpha';

/** What fills the picture behind the avatar: one opaque colour `#rrggbb`, or nothing (alpha formats only). */
export type VideoBackground = { color: string } | 'transparent';

export interface VideoOutput {
  format: VideoFormat;
  /** Written in place and overwritten if it exists; removed again if the render fails or is cancelled. */
  path: string;
}

export interface RenderVideoOptions {
  manifest: AvatarManifest;
  /**
   * One utterance: segments back to back with all times from its start (the contract of `SpeechSegment`). An
   * async source (e.g. a TTS stream) is read to its end before the first frame is drawn, so the total frame
   * count is known for progress; ffmpeg and the render workers start meanwhile. Its error fails the render. The
   * mouth follows the segments' `blendshapes`, as in a live stream (the speech package derives them from the
   * visemes); visemes alone leave it at rest.
   */
  speech: Iterable<SpeechSegment> | AsyncIterable<SpeechSegment>;
  output: VideoOutput;
  /** Frame size in pixels, even numbers (default 512×512); the avatar is scaled to fit. */
  width?: number;
  height?: number;
  /** Default 25, one frame per blendshape frame. */
  fps?: number;
  /** Default: green screen (`DEFAULT_VIDEO_BACKGROUND`) for mp4, transparent for the alpha formats. */
  background?: VideoBackground;
  /** The text the words' `textOffset` index (the utterance's input, plain or SSML): gives sentence breaks. */
  text?: string;
  /** Idle time after the speech, so the last mouth shape eases shut on screen (default `DEFAULT_TAIL_MS`). */
  tailMs?: number;
  /**
   * Render worker threads for this video (default `DEFAULT_RENDER_THREADS`). Drawing costs more CPU than
   * encoding, so on a machine with spare cores a second worker shortens the run; a pool running several videos
   * at once already fills them.
   */
  renderThreads?: number;
  /** Pictures around the avatar, composed by ffmpeg (see `VideoComposition`); absent or empty: none. */
  composition?: VideoComposition;
  /** Aborting kills ffmpeg and the render worker, removes the partial file and rejects with the reason. */
  signal?: AbortSignal;
  /** The ffmpeg binary; default `ffmpeg` on PATH. */
  ffmpegCommand?: string;
}

/**
 * What goes around the avatar, composed by ffmpeg on its own core while the render worker draws: a background
 * picture under it, logos and subtitles over it, and the avatar moved, scaled and turned.
 */
export interface VideoComposition {
  /**
   * Local image file (PNG/JPEG/WebP/BMP…), scaled to cover the whole frame (cropped, aspect kept); its transparent
   * parts show `background`. mp4 only: with an alpha format it is refused (RangeError), the point of those is
   * transparency.
   */
  backgroundImage?: string;
  /**
   * Drawn in order above everything else. x, y: top-left corner in output pixels (may be partly outside the
   * frame); scale: factor on the image's own pixel size, 0.01..10.
   */
  logos?: VideoLogo[];
  /**
   * Where the avatar layer goes: its centre moved by (x, y) output pixels from the frame centre, scaled by
   * `scale` (0.1..3, 1 = fills the frame as without a composition) and turned `angleDeg` (-180..180, positive
   * is clockwise) about its centre.
   */
  avatar?: AvatarPlacement;
  /**
   * Burned-in subtitles: these cues drawn at the bottom centre, white text with a dark outline, sized to the frame
   * height. Works for every format (on transparent formats the text is opaque). CJK text needs a CJK font known
   * to fontconfig (Debian's fonts-noto-cjk); without one those characters show as boxes.
   */
  subtitles?: SubtitleCue[];
}

export interface VideoLogo {
  path: string;
  x: number;
  y: number;
  scale: number;
}

export interface AvatarPlacement {
  x: number;
  y: number;
  scale: number;
  angleDeg: number;
}

/** Frames written to ffmpeg and accepted by its stdin, out of the whole video's. */
export interface VideoProgress {
  framesEncoded: number;
  totalFrames: number;
}

export type VideoProgressListener = (progress: VideoProgress) => void;

/** A spoken word on the video's timeline. */
export interface VideoWord {
  word: string;
  startMs: number;
  endMs: number;
}

/** A sentence and its words; `text` is the sentence as written when the source text is known. */
export interface VideoSentence {
  text: string;
  startMs: number;
  endMs: number;
  words: VideoWord[];
}

export interface VideoResult {
  path: string;
  format: VideoFormat;
  /** The file's duration: the speech plus the idle tail, rounded up to whole frames (audio is padded to it). */
  durationMs: number;
  /** The speech audio alone. */
  speechMs: number;
  frames: number;
  width: number;
  height: number;
  fps: number;
  words: VideoWord[];
  /** Sentences split at sentence punctuation of `text`; without `text`, all words form one sentence. */
  sentences: VideoSentence[];
}

/** Broadcast green, the usual chroma-key colour. */
export const DEFAULT_VIDEO_BACKGROUND = '#00b140';
export const DEFAULT_VIDEO_SIZE = 512;
/** Long enough for the mouth to ease shut (one 40 ms blendshape frame) and rest visibly before the cut. */
export const DEFAULT_TAIL_MS = 300;
/**
 * Two where there are two cores or more. Once ffmpeg had less to do (I420 frames, the fast AAC coder), one render
 * worker became the slowest stage: ffmpeg waited for its frames while a core stayed partly idle. On the idle
 * 2-core EPYC a second one took a 9.4 s MP4 from 5.7–5.9× real time to 6.8–8.0× at 512² and from 3.7–4.1× to
 * 4.3–4.5× at 720p. More than two gained nothing there: the cores are full.
 */
export const DEFAULT_RENDER_THREADS = Math.min(2, availableParallelism());

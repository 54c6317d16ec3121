import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { SubtitleCue } from './subtitles.js';
import type { VideoSettings } from './video-settings.js';
import type { AvatarPlacement, VideoComposition, VideoLogo } from './video-types.js';

/** A composition with every part checked, file paths absolute, and the parts that change nothing left out. */
export interface CompositionSettings {
  backgroundImage?: string;
  logos: VideoLogo[];
  /** Absent when the avatar stays where it is without a composition. */
  avatar?: AvatarPlacement;
  subtitles: SubtitleCue[];
}

/** Each logo is one more input and one more overlay on every frame; a handful is what a video carries. */
export const MAX_LOGOS = 8;
/** A cue every second for five hours: far beyond any video made here, small enough to write at once. */
export const MAX_CUES = 20_000;
/** Two subtitle lines of CJK or several of Latin text; past that it is not a subtitle. */
export const MAX_CUE_CHARS = 500;
/** Positions may be partly off-frame; twice the largest frame side bounds "anywhere useful". */
const MAX_OFFSET = 8192;

/**
 * Checks `composition` against the video's settings and returns what is left to do, or undefined when nothing
 * is (absent, empty, or only an avatar placement that leaves it where it is), in which case the video is made
 * exactly as without a composition. Throws `RangeError` naming the bad option (`composition.logos[1].scale`),
 * including image files that are missing or are not files.
 */
export async function compositionSettings(
  composition: VideoComposition | undefined,
  video: Pick<VideoSettings, 'format'>,
): Promise<CompositionSettings | undefined> {
  if (composition === undefined) return undefined;
  if (typeof composition !== 'object' || composition === null) {
    throw new RangeError('composition must be an object');
  }
  const settings: CompositionSettings = { logos: [], subtitles: [] };
  if (composition.backgroundImage !== undefined) {
    if (video.format !== 'mp4') {
      throw new RangeError(
        `composition.backgroundImage needs an mp4: a ${video.format} video is made for its transparency`,
      );
    }
    settings.backgroundImage = await imageFile('composition.backgroundImage', composition.backgroundImage);
  }
  if (composition.logos !== undefined) settings.logos = await logos(composition.logos);
  if (composition.avatar !== undefined) {
    const avatar = placement(composition.avatar);
    if (avatar.x !== 0 || avatar.y !== 0 || avatar.scale !== 1 || avatar.angleDeg !== 0) {
      settings.avatar = avatar;
    }
  }
  if (composition.subtitles !== undefined) settings.subtitles = cues(composition.subtitles);
  const empty =
    settings.backgroundImage === undefined &&
    settings.logos.length === 0 &&
    settings.avatar === undefined &&
    settings.subtitles.length === 0;
  return empty ? undefined : settings;
}

async function logos(list: readonly VideoLogo[]): Promise<VideoLogo[]> {
  if (!isList(list)) throw new RangeError('composition.logos must be an array');
  if (list.length > MAX_LOGOS) {
    throw new RangeError(`composition.logos may hold at most ${MAX_LOGOS} logos, got ${list.length}`);
  }
  return Promise.all(
    list.map(async (logo, i) => {
      const name = `composition.logos[${i}]`;
      if (typeof logo !== 'object' || logo === null) throw new RangeError(`${name} must be an object`);
      return {
        path: await imageFile(`${name}.path`, logo.path),
        x: number(`${name}.x`, logo.x, -MAX_OFFSET, MAX_OFFSET),
        y: number(`${name}.y`, logo.y, -MAX_OFFSET, MAX_OFFSET),
        scale: number(`${name}.scale`, logo.scale, 0.01, 10),
      };
    }),
  );
}

function placement(avatar: AvatarPlacement): AvatarPlacement {
  if (typeof avatar !== 'object' || avatar === null)
    throw new RangeError('composition.avatar must be an object');
  return {
    x: number('composition.avatar.x', avatar.x, -MAX_OFFSET, MAX_OFFSET),
    y: number('composition.avatar.y', avatar.y, -MAX_OFFSET, MAX_OFFSET),
    scale: number('composition.avatar.scale', avatar.scale, 0.1, 3),
    angleDeg: number('composition.avatar.angleDeg', avatar.angleDeg, -180, 180),
  };
}

function cues(list: readonly SubtitleCue[]): SubtitleCue[] {
  if (!isList(list)) throw new RangeError('composition.subtitles must be an array');
  if (list.length > MAX_CUES) {
    throw new RangeError(`composition.subtitles may hold at most ${MAX_CUES} cues, got ${list.length}`);
  }
  return list.map((cue, i) => {
    const name = `composition.subtitles[${i}]`;
    if (typeof cue !== 'object' || cue === null) throw new RangeError(`${name} must be an object`);
    const startMs = number(`${name}.startMs`, cue.startMs, 0, Number.MAX_SAFE_INTEGER);
    const endMs = number(`${name}.endMs`, cue.endMs, startMs, Number.MAX_SAFE_INTEGER);
    if (typeof cue.text !== 'string' || cue.text.length > MAX_CUE_CHARS) {
      throw new RangeError(`${name}.text must be a string of at most ${MAX_CUE_CHARS} characters`);
    }
    return { startMs, endMs, text: cue.text };
  });
}

/** Array.isArray without its narrowing (which would turn a typed list into `any[]`): callers may pass anything. */
function isList(value: unknown): boolean {
  return Array.isArray(value);
}

function number(name: string, value: number, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`${name} must be a number in ${min}..${max}, got ${String(value)}`);
  }
  return value;
}

/** The absolute path of an existing regular file; whether it decodes is ffmpeg's to say. */
async function imageFile(name: string, path: string): Promise<string> {
  if (typeof path !== 'string' || path.length === 0) throw new RangeError(`${name} must be a file path`);
  const absolute = resolve(path);
  const info = await stat(absolute).catch(() => undefined);
  if (!info?.isFile()) throw new RangeError(`${name}: no such file: ${absolute}`);
  return absolute;
}

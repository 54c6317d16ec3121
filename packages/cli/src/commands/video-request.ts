import { extname } from 'node:path';
import { VIDEO_LIMITS, type VideoFormatName } from '@dhuman/protocol';
import type { ClientFlags } from '../client-options.js';

/**
 * `dhuman video make`'s flags checked and turned into the request to send. Everything that can be wrong with
 * the flags is found here, before a file is read or the server is asked, with a message naming the flag.
 */

export interface VideoMakeFlags extends ClientFlags {
  text?: string;
  ssml?: string;
  audio?: string;
  audioUrl?: string;
  out?: string;
  format?: string;
  project: string;
  voice?: string;
  speed?: string;
  volume?: string;
  backgroundUrl?: string;
  subtitles?: boolean;
  callbackUrl?: string;
}

/** The CLI's format names: the file extension each format is written with. */
export const FILE_FORMATS = {
  mp4: 'Mp4',
  webm: 'TransparentWebm',
  mov: 'TransparentMov',
} as const satisfies Record<string, VideoFormatName>;
export type FileFormat = keyof typeof FILE_FORMATS;

/**
 * What the video says: text given inline or in a file, or a recording (local, or a URL the server fetches).
 */
export type VideoInput =
  | { kind: 'text'; text: string }
  | { kind: 'ssml-file'; path: string }
  | { kind: 'audio-file'; path: string }
  | { kind: 'audio-url'; url: string };

export interface VideoMakePlan {
  /** The advanced endpoint when a flag needs it (background, subtitles), as IVH clients do. */
  endpoint: 'videomake' | 'videomakeadvanced';
  format: FileFormat;
  input: VideoInput;
  /**
   * The Payload without the input fields (`InputSsml` / `DriverType` / `InputAudioUrl`), added by
   * `withInput`.
   */
  payload: Record<string, unknown>;
  out: string | undefined;
}

/**
 * The server's ranges (protocol's videoSpeechParamSchema), checked here too so the message names the flag.
 */
const SPEED = { min: 0.5, max: 1.5 };
const VOLUME = { min: 0, max: 10 };

const INPUT_FLAGS = [
  ['text', '--text'],
  ['ssml', '--ssml'],
  ['audio', '--audio'],
  ['audioUrl', '--audio-url'],
] as const;

export function planVideoMake(flags: VideoMakeFlags): VideoMakePlan {
  const given = INPUT_FLAGS.filter(([key]) => flags[key] !== undefined);
  const names = INPUT_FLAGS.map(([, flag]) => flag).join(', ');
  const [only] = given;
  if (!only) throw new Error(`say what the video says: give one of ${names}`);
  if (given.length > 1) {
    throw new Error(`give only one of ${names} (got ${given.map(([, flag]) => flag).join(' and ')})`);
  }
  const input = inputOf(only[0], flags);
  const recorded = input.kind === 'audio-file' || input.kind === 'audio-url';
  if (recorded && (flags.voice !== undefined || flags.speed !== undefined)) {
    throw new Error(
      '--voice and --speed apply to text; a recording is used as it is (--volume still applies)',
    );
  }

  const format = formatOf(flags);
  if (flags.backgroundUrl !== undefined && format !== 'mp4') {
    throw new Error(`--background-url needs --format mp4: a transparent ${format} video has no background`);
  }
  if (!flags.project.trim()) throw new Error('--project must not be empty');

  const speech: Record<string, unknown> = {
    ...(flags.voice !== undefined && { TimbreKey: nonEmpty('--voice', flags.voice) }),
    ...(flags.speed !== undefined && { Speed: numberIn('--speed', flags.speed, SPEED) }),
    ...(flags.volume !== undefined && { Volume: numberIn('--volume', flags.volume, VOLUME) }),
  };
  const video: Record<string, unknown> = {
    Format: FILE_FORMATS[format],
    ...(flags.backgroundUrl !== undefined && {
      BackgroundFileUrl: httpUrl('--background-url', flags.backgroundUrl, VIDEO_LIMITS.urlChars),
    }),
    ...(flags.subtitles === true && { ShowSubtitles: true }),
  };
  const advanced = flags.backgroundUrl !== undefined || flags.subtitles === true;
  return {
    endpoint: advanced ? 'videomakeadvanced' : 'videomake',
    format,
    input,
    payload: {
      VirtualmanKey: flags.project,
      ...(Object.keys(speech).length > 0 && { SpeechParam: speech }),
      VideoParam: video,
      // The API wants it shorter than the other URLs ("< 1000").
      ...(flags.callbackUrl !== undefined && {
        CallbackUrl: httpUrl('--callback-url', flags.callbackUrl, VIDEO_LIMITS.urlChars - 1),
      }),
    },
    out: flags.out,
  };
}

function inputOf(key: (typeof INPUT_FLAGS)[number][0], flags: VideoMakeFlags): VideoInput {
  switch (key) {
    case 'text':
      return { kind: 'text', text: nonEmpty('--text', flags.text ?? '') };
    case 'ssml':
      return { kind: 'ssml-file', path: nonEmpty('--ssml', flags.ssml ?? '') };
    case 'audio':
      return { kind: 'audio-file', path: nonEmpty('--audio', flags.audio ?? '') };
    case 'audioUrl':
      return { kind: 'audio-url', url: httpUrl('--audio-url', flags.audioUrl ?? '', VIDEO_LIMITS.urlChars) };
  }
}

/** --format, else the extension of --out when it names a format, else mp4; the two must not disagree. */
function formatOf(flags: VideoMakeFlags): FileFormat {
  const list = Object.keys(FILE_FORMATS).join(', ');
  const named = flags.format?.toLowerCase();
  if (named !== undefined && !isFileFormat(named)) {
    throw new Error(`--format must be one of ${list}, got "${flags.format}"`);
  }
  const ext = flags.out === undefined ? '' : extname(flags.out).slice(1).toLowerCase();
  const fromOut = isFileFormat(ext) ? ext : undefined;
  if (named !== undefined && fromOut !== undefined && named !== fromOut) {
    throw new Error(`--out ${flags.out} ends in .${fromOut} but --format is ${named}; make them agree`);
  }
  return named ?? fromOut ?? 'mp4';
}

function isFileFormat(name: string): name is FileFormat {
  return Object.hasOwn(FILE_FORMATS, name);
}

/** The text of an `--ssml` file or `--text`, within the API's limit for the format. */
export function checkText(flag: string, text: string, format: FileFormat): string {
  if (text.trim() === '') throw new Error(`${flag} is empty: there is nothing to say`);
  const max = format === 'mov' ? VIDEO_LIMITS.movSsmlChars : VIDEO_LIMITS.ssmlChars;
  const length = [...text].length;
  if (length > max) {
    const why = format === 'mov' ? ' for a mov video (ProRes files are large)' : '';
    throw new Error(`${flag} has ${length} characters; at most ${max} are accepted${why}`);
  }
  return text;
}

/** The Payload with what the video says: text (Text driver) or a recording's URL (OriginalVoice driver). */
export function withInput(
  plan: VideoMakePlan,
  source: { text: string } | { audioUrl: string },
): Record<string, unknown> {
  return 'text' in source
    ? { ...plan.payload, DriverType: 'Text', InputSsml: source.text }
    : { ...plan.payload, DriverType: 'OriginalVoice', InputAudioUrl: source.audioUrl };
}

function nonEmpty(flag: string, value: string): string {
  if (value.trim() === '') throw new Error(`${flag} must not be empty`);
  return value;
}

function numberIn(flag: string, raw: string, range: { min: number; max: number }): number {
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!(Number.isFinite(value) && value >= range.min && value <= range.max)) {
    throw new Error(`${flag} must be a number from ${range.min} to ${range.max}, got "${raw}"`);
  }
  return value;
}

function httpUrl(flag: string, raw: string, maxChars: number): string {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || /\s/.test(raw)) {
    throw new Error(`${flag} must be an http:// or https:// URL, got "${raw.slice(0, 200)}"`);
  }
  if (raw.length > maxChars) throw new Error(`${flag} must be at most ${maxChars} characters long`);
  return raw;
}

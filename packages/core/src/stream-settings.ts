/**
 * A project's stream settings (issue 6): the size and rate its sessions are encoded at, and the form
 * createsession's `PlayStreamAddr` takes. One parser serves the CLI flags, stored rows and any later HTTP input,
 * so every way in applies the same bounds.
 */

/**
 * What `PlayStreamAddr` names: `page` the player page (works in any browser), `hls` the `.m3u8` address the vendor
 * Web SDK's player plays, `rtmp` an `rtmp://` address ffmpeg can pull (rtmp sessions).
 */
export type PlayAddressForm = 'page' | 'hls' | 'rtmp';

export const PLAY_ADDRESS_FORMS: readonly PlayAddressForm[] = ['page', 'hls', 'rtmp'];

export interface StreamSettings {
  width: number;
  height: number;
  /** Frames per second. */
  fps: number;
  playAddress: PlayAddressForm;
}

export const DEFAULT_STREAM_SETTINGS: Readonly<StreamSettings> = Object.freeze({
  width: 512,
  height: 512,
  fps: 25,
  playAddress: 'page',
});

export type StreamResolutionName = '512' | '720' | '720p';

/** The named sizes offered. No 1080p: x264 on the CPU cannot hold several 1080p streams in real time. */
export const STREAM_RESOLUTIONS: Readonly<
  Record<StreamResolutionName, Readonly<{ width: number; height: number }>>
> = {
  '512': { width: 512, height: 512 },
  '720': { width: 720, height: 720 },
  '720p': { width: 1280, height: 720 },
};

export const STREAM_SIZE_MIN = 128;
export const STREAM_SIZE_MAX = 1280;
/** The largest frame, in pixels: 720p. It bounds encode cost, whatever the shape. */
export const STREAM_PIXELS_MAX = 1280 * 720;
export const STREAM_FPS_MIN = 10;
export const STREAM_FPS_MAX = 30;

/** The input fields, for naming them in messages. */
export type StreamSettingsField = 'resolution' | 'width' | 'height' | 'fps' | 'playAddress';

/**
 * What parseStreamSettings accepts; every field is optional and falls back to the default. `resolution` is a
 * preset name or `<width>x<height>`, and excludes `width`/`height`. Numbers may come as decimal strings (flags).
 */
export interface StreamSettingsInput {
  resolution?: string;
  width?: number | string;
  height?: number | string;
  fps?: number | string;
  playAddress?: string;
}

/**
 * Parses and bounds user input: width and height even, 128–1280 each and at most 1280×720 pixels in all; fps a
 * whole number 10–30; playAddress one of PLAY_ADDRESS_FORMS. Missing fields (or a null/undefined input) take the
 * defaults. Throws a RangeError whose message names the bad field, as `names` spells it (for example the CLI
 * flag) or else by its own name.
 */
export function parseStreamSettings(
  input: unknown,
  names: Partial<Record<StreamSettingsField, string>> = {},
): StreamSettings {
  const name = (field: StreamSettingsField) => names[field] ?? field;
  if (input === undefined || input === null) return { ...DEFAULT_STREAM_SETTINGS };
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new RangeError('stream settings must be an object');
  }
  const fields = input as Record<string, unknown>;

  const { width, height } = sizeOf(fields, name);

  let fps = DEFAULT_STREAM_SETTINGS.fps;
  if (fields.fps !== undefined) {
    fps = wholeNumber(fields.fps, name('fps'));
    if (fps < STREAM_FPS_MIN || fps > STREAM_FPS_MAX) {
      throw new RangeError(`${name('fps')} must be from ${STREAM_FPS_MIN} to ${STREAM_FPS_MAX}, not ${fps}`);
    }
  }

  let playAddress = DEFAULT_STREAM_SETTINGS.playAddress;
  if (fields.playAddress !== undefined) {
    if (!PLAY_ADDRESS_FORMS.includes(fields.playAddress as PlayAddressForm)) {
      throw new RangeError(
        `${name('playAddress')} must be one of ${PLAY_ADDRESS_FORMS.join(', ')}, not ${show(fields.playAddress)}`,
      );
    }
    playAddress = fields.playAddress as PlayAddressForm;
  }

  return { width, height, fps, playAddress };
}

/** `512x512@25`, for tables and logs. */
export function describeStream(settings: StreamSettings): string {
  return `${settings.width}x${settings.height}@${settings.fps}`;
}

function sizeOf(
  fields: Record<string, unknown>,
  name: (field: StreamSettingsField) => string,
): { width: number; height: number } {
  if (fields.resolution === undefined) {
    const width =
      fields.width === undefined ? DEFAULT_STREAM_SETTINGS.width : side(fields.width, name('width'));
    const height =
      fields.height === undefined ? DEFAULT_STREAM_SETTINGS.height : side(fields.height, name('height'));
    return withinPixels(width, height, `${name('width')}×${name('height')}`);
  }
  const label = name('resolution');
  if (fields.width !== undefined || fields.height !== undefined) {
    throw new RangeError(`${label} cannot be given with ${name('width')} or ${name('height')}`);
  }
  const { width, height } = resolutionOf(fields.resolution, label);
  if (!isSide(width) || !isSide(height)) {
    throw new RangeError(
      `${label} ${width}x${height}: each side must be an even number of pixels from ${STREAM_SIZE_MIN} to ${STREAM_SIZE_MAX}`,
    );
  }
  return withinPixels(width, height, label);
}

function resolutionOf(value: unknown, label: string): { width: number; height: number } {
  if (typeof value === 'string') {
    if (Object.hasOwn(STREAM_RESOLUTIONS, value)) return STREAM_RESOLUTIONS[value as StreamResolutionName];
    const m = /^(\d{1,5})x(\d{1,5})$/i.exec(value);
    if (m) return { width: Number(m[1]), height: Number(m[2]) };
  }
  const names = Object.keys(STREAM_RESOLUTIONS).join(', ');
  throw new RangeError(`${label} must be ${names} or <width>x<height>, not ${show(value)}`);
}

function side(value: unknown, label: string): number {
  const n = wholeNumber(value, label);
  if (!isSide(n)) {
    throw new RangeError(
      `${label} must be an even number of pixels from ${STREAM_SIZE_MIN} to ${STREAM_SIZE_MAX}, not ${n}`,
    );
  }
  return n;
}

/** Even, because H.264 with 4:2:0 chroma halves both sides. */
function isSide(n: number): boolean {
  return n >= STREAM_SIZE_MIN && n <= STREAM_SIZE_MAX && n % 2 === 0;
}

function withinPixels(width: number, height: number, label: string): { width: number; height: number } {
  if (width * height > STREAM_PIXELS_MAX) {
    throw new RangeError(`${label} ${width}x${height} is over ${STREAM_PIXELS_MAX} pixels (1280x720)`);
  }
  return { width, height };
}

function wholeNumber(value: unknown, label: string): number {
  const n = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw new RangeError(`${label} must be a whole number, not ${show(value)}`);
  }
  return n;
}

function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value.slice(0, 32)) : String(JSON.stringify(value));
  return text.slice(0, 40);
}

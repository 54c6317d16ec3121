/**
 * Checks a downloaded image (BackgroundFileUrl, logos) before a render relies on it: a file that is not a single
 * still image, or is too large to draw, is the customer's input error and is better refused at once than as an
 * ffmpeg failure minutes into the job.
 */
import { RemoteFileError } from './remote-file.js';
import { probeFile, toolReason, type ProbeOptions } from './remote-file-tools.js';

/** The still-image demuxers ffprobe may open the file with; each one reads only the file it is given. */
const IMAGE_DEMUXERS = ['png_pipe', 'jpeg_pipe', 'webp_pipe', 'bmp_pipe', 'gif'];
/** The decoders of those formats (a GIF's first frame is the image). */
const IMAGE_CODECS = new Set(['png', 'mjpeg', 'webp', 'bmp', 'gif']);

export interface ImageCheckOptions extends ProbeOptions {
  /** Widest and tallest accepted, in pixels. */
  maxSide: number;
}

interface ImageProbe {
  streams?: {
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    nb_read_frames?: string;
  }[];
}

/**
 * Resolves with the image's size when ffprobe reads `path` as one PNG, JPEG, WebP, BMP or GIF (its first frame)
 * no more than `maxSide` pixels wide or tall, and decodes its first frame; RemoteFileError('bad-content')
 * otherwise. The signal's reason on abort.
 */
export async function checkImageFile(
  path: string,
  options: ImageCheckOptions,
): Promise<{ width: number; height: number }> {
  const { maxSide } = options;
  if (!Number.isSafeInteger(maxSide) || maxSide < 1) throw new RangeError(`bad maxSide ${maxSide}`);
  const { json, stderr } = await probeFile(
    path,
    'the image file',
    IMAGE_DEMUXERS,
    [
      // Decoding the first frame proves the file is whole; -max_pixels stops the decoder before it allocates
      // an image that a small file can declare huge (a PNG of zeros compresses about 1000:1).
      '-max_pixels',
      String(maxSide * maxSide),
      '-count_frames',
      '-read_intervals',
      '%+#1',
      '-show_entries',
      'stream=codec_type,codec_name,width,height,nb_read_frames',
    ],
    options,
  );
  const streams = (json as ImageProbe).streams ?? [];
  const image = streams[0];
  if (streams.length !== 1 || image?.codec_type !== 'video' || !IMAGE_CODECS.has(image.codec_name ?? '')) {
    throw new RemoteFileError('bad-content', 'the image file is not a PNG, JPEG, WebP, BMP or GIF image');
  }
  const width = image.width ?? 0;
  const height = image.height ?? 0;
  if (image.nb_read_frames !== '1' || width < 1 || height < 1) {
    // Past -max_pixels the decoder reports no size, only a warning naming the header's.
    const declared = /Picture size (\d+)x(\d+) exceeds/.exec(stderr);
    if (declared) throw tooLarge(Number(declared[1]), Number(declared[2]), maxSide);
    throw new RemoteFileError('bad-content', `the image file cannot be decoded: ${toolReason(stderr, path)}`);
  }
  if (width > maxSide || height > maxSide) throw tooLarge(width, height, maxSide);
  return { width, height };
}

function tooLarge(width: number, height: number, maxSide: number): RemoteFileError {
  return new RemoteFileError(
    'bad-content',
    `the image is ${width}×${height} pixels; at most ${maxSide} pixels a side are accepted`,
  );
}

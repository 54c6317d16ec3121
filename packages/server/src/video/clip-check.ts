/**
 * Checks a downloaded intro or outro clip (VideoHeadFileUrl, VideoTailFileUrl) before ffmpeg joins it to the video.
 * The clip is later opened without a format whitelist, so this is where a file that only poses as video is
 * stopped: an HLS or concat playlist would make ffmpeg read other local files (another session's live segments,
 * another task's video) into the customer's result.
 */
import { RemoteFileError } from './remote-file.js';
import { probeFile, type ProbeOptions } from './remote-file-tools.js';

/**
 * Containers of ordinary video files, as ffmpeg's demuxers name them; each reads only the file it is given
 * (`mov` is mp4/m4v/3gp, `matroska` is webm too, `asf` is wmv, `mpeg` is MPEG-PS).
 */
const CLIP_DEMUXERS = ['mov', 'matroska', 'avi', 'flv', 'mpegts', 'asf', 'mpeg', 'ogg'];

interface ClipProbe {
  streams?: { codec_type?: string }[];
}

/**
 * Resolves when ffprobe reads `path` as one of the plain video containers and finds a video stream in it;
 * RemoteFileError('bad-content') otherwise, quoting ffprobe's reason. The signal's reason on abort.
 */
export async function checkClipFile(path: string, options: ProbeOptions = {}): Promise<void> {
  const { json } = await probeFile(
    path,
    'the video clip',
    CLIP_DEMUXERS,
    ['-show_entries', 'stream=codec_type'],
    options,
  );
  const streams = (json as ClipProbe).streams ?? [];
  if (!streams.some((stream) => stream.codec_type === 'video')) {
    throw new RemoteFileError('bad-content', 'the video clip has no video stream');
  }
}

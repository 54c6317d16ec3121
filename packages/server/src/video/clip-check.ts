/**
 * Checks a downloaded intro or outro clip (VideoHeadFileUrl, VideoTailFileUrl) as soon as it arrives, before the
 * render: a file that only poses as video (an HLS or concat playlist) or has no picture fails the task with the
 * parameter's name instead of wasting the render. The join (media's concatClips) opens clips with the same
 * whitelist of plain containers, so nothing else is read even if this check were skipped.
 */
import { CLIP_DEMUXERS } from '@dhuman/media';
import { RemoteFileError } from './remote-file.js';
import { probeFile, type ProbeOptions } from './remote-file-tools.js';

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

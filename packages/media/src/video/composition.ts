import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { VideoFilterGraph } from '../encoder/ffmpeg-args.js';
import type { CompositionLayout } from './composition-graph.js';
import { compositionLayout } from './composition-graph.js';
import { compositionSettings } from './composition-settings.js';
import { assScript } from './composition-subtitles.js';
import type { VideoSettings } from './video-settings.js';
import type { VideoComposition } from './video-types.js';

/**
 * One video's composition: checked up front, its subtitle script written just before ffmpeg starts (next to the
 * output, where the render may write anyway) and removed with `dispose()`.
 */
export interface PreparedComposition extends Omit<CompositionLayout, 'filter'> {
  /** Writes the subtitle script, if any, and returns the graph for the encoder. */
  start(): Promise<VideoFilterGraph>;
  /** Removes the subtitle script; safe to call at any point and more than once. */
  dispose(): Promise<void>;
}

/**
 * Checks `composition` (RangeError naming the bad option, before any work) and lays it out; undefined when there
 * is nothing to compose, so that such a video is made exactly as one without a composition.
 */
export async function prepareComposition(
  composition: VideoComposition | undefined,
  video: VideoSettings,
): Promise<PreparedComposition | undefined> {
  const settings = await compositionSettings(composition, video);
  if (settings === undefined) return undefined;
  const subtitlesPath =
    settings.subtitles.length === 0
      ? undefined
      : join(dirname(video.path), `.${basename(video.path)}.${randomBytes(4).toString('hex')}.ass`);
  const { filter, ...layout } = compositionLayout(settings, video, subtitlesPath);
  return {
    ...layout,
    async start() {
      if (subtitlesPath !== undefined) {
        await writeFile(subtitlesPath, assScript(settings.subtitles, video.width, video.height));
      }
      return filter;
    },
    async dispose() {
      if (subtitlesPath !== undefined) await rm(subtitlesPath, { force: true });
    },
  };
}

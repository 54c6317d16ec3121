import type { Command } from 'commander';
import { DhumanClient } from '@dhuman/client';
import { VIDEO_PATHS, videoTaskIdSchema, type VideoProgressResponse } from '@dhuman/protocol';
import { resolveTarget, withClientOptions, type ClientFlags } from '../client-options.js';
import { makeVideo, VideoWaitStopped } from './video-make.js';
import type { VideoMakeFlags } from './video-request.js';
import { statusLines } from './video-status.js';
import { Interruption } from '../interruption.js';

export function registerVideo(program: Command): void {
  const video = program
    .command('video')
    .description(
      'make videos with the videomaker API of a running server (offline rendering, not a live session)',
    );

  withClientOptions(
    video
      .command('make')
      .description(
        'make a video of the avatar saying a text or a recording; waits with a progress bar (stderr) and downloads ' +
          'the result (and its .srt subtitles). --audio serves a local file to the server from 127.0.0.1, so it ' +
          'works only with a server on this machine; give a remote server --audio-url',
      )
      .option('--text <text>', 'what to say: text, or SSML starting with <speak>')
      .option('--ssml <file>', 'what to say, read from a file (text or SSML)')
      .option('--audio <file>', 'a recording to lip-sync (any format ffmpeg reads), served to the server')
      .option('--audio-url <url>', 'a recording to lip-sync, fetched by the server from this http(s) URL')
      .option('--out <file>', 'where to write the video (default: <TaskId>.<format> here)')
      .option(
        '--format <name>',
        'mp4, webm (transparent) or mov (transparent) (default: from --out, else mp4)',
      )
      .option('--project <key>', 'VirtualmanKey: a project id or an avatar asset key', 'demo')
      .option('--voice <key>', 'TimbreKey: a voice of the server (default: the project’s)')
      .option('--speed <n>', 'speech speed, 0.5 to 1.5 (default 1)')
      .option('--volume <n>', 'volume, 0 (unchanged) to 10 (loudest)')
      .option('--background-url <url>', 'an image behind the avatar (mp4 only), fetched by the server')
      .option('--subtitles', 'burn subtitles into the picture (the .srt file comes either way)')
      .option('--callback-url <url>', 'the server POSTs the result here when the task ends'),
  ).action(async (flags: VideoMakeFlags) => {
    const interruption = new Interruption();
    try {
      await makeVideo(flags, interruption.signal);
    } catch (error) {
      if (!(error instanceof VideoWaitStopped)) throw error;
      process.stderr.write(`dhuman: ${error.message}\n`);
      process.exitCode = 130;
    } finally {
      interruption.dispose();
    }
  });

  withClientOptions(
    video
      .command('status <taskId>')
      .description('show a video task: status, progress, queue position, duration, links, failure')
      .option('--json', 'print the getprogress Payload as JSON')
      .option('--exit-status', 'exit with status 1 if the task failed (FAIL), for scripts'),
  ).action(async (taskId: string, flags: ClientFlags & { json?: boolean; exitStatus?: boolean }) => {
    const id = videoTaskIdSchema.safeParse(taskId);
    if (!id.success) throw new Error(`TaskId must be 1-64 letters, digits, "_" or "-", got "${taskId}"`);
    const target = resolveTarget(flags);
    const client = new DhumanClient(target);
    const progress = await client.call<VideoProgressResponse>(VIDEO_PATHS.getprogress, { TaskId: id.data });
    const text = flags.json ? JSON.stringify(progress, null, 2) : statusLines(progress).join('\n');
    process.stdout.write(`${text}\n`);
    // Like `gh run view --exit-status`: by default the command succeeded whatever the task's state.
    if (flags.exitStatus && progress.Status === 'FAIL') process.exitCode = 1;
  });
}

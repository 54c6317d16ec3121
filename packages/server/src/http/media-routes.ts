import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { MEDIA_FILE, MEDIA_PREFIX, MEDIA_TASK_ID, type MediaLinks } from '../video/media-links.js';

export interface MediaRoutesOptions {
  links: MediaLinks;
  /** `<data-dir>/media`: one folder per task. */
  mediaRoot: string;
  now?: () => number;
}

const CONTENT_TYPES: Record<string, string> = {
  mp4: 'video/mp4',
  webm: 'video/webm',
  mov: 'video/quicktime',
  mp3: 'audio/mpeg',
  srt: 'application/x-subrip; charset=utf-8',
};

/** A download link's failure is a plain HTTP status: what a browser, `curl -f` or a video element expects. */
function refuse(reply: FastifyReply, status: number, text: string): FastifyReply {
  return reply
    .code(status)
    .type('text/plain; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(`${text}\n`);
}

/**
 * `GET /dhuman/media/<TaskId>/<file>`: a finished task's video, audio or subtitles, for whoever holds the signed
 * link (no appkey signature: the link is handed to players and downloaders). Byte ranges are served (video
 * elements seek with them), and files go out as attachments so a browser does not run anything it is given.
 */
export async function registerMediaRoutes(app: FastifyInstance, options: MediaRoutesOptions): Promise<void> {
  const now = options.now ?? Date.now;
  await app.register(async (scope) => {
    // Encapsulated: this `sendFile` serves only the media folder and does not clash with the page's.
    await scope.register(fastifyStatic, { root: options.mediaRoot, serve: false });
    scope.get<{ Params: { taskId: string; file: string }; Querystring: Record<string, unknown> }>(
      `${MEDIA_PREFIX}:taskId/:file`,
      (request, reply) => {
        const { taskId, file } = request.params;
        if (!MEDIA_TASK_ID.test(taskId) || !MEDIA_FILE.test(file)) return refuse(reply, 404, 'no such file');
        const { expires, token } = request.query;
        if (!options.links.verify(taskId, file, expires, token, now())) {
          return refuse(reply, 403, 'this link is not valid or has expired');
        }
        const relative = join(taskId, file);
        if (!existsSync(join(options.mediaRoot, relative)))
          return refuse(reply, 404, 'the file has been deleted');
        const ext = file.slice(file.lastIndexOf('.') + 1);
        return reply
          .header('access-control-allow-origin', '*')
          .header('x-content-type-options', 'nosniff')
          .header('cache-control', 'private, max-age=3600')
          .header('content-disposition', `attachment; filename="${file}"`)
          .type(CONTENT_TYPES[ext] ?? 'application/octet-stream')
          .sendFile(relative, options.mediaRoot, { contentType: false });
      },
    );
  });
}

import type { FastifyInstance } from 'fastify';
import {
  getActionRequestSchema,
  getProgressRequestSchema,
  ttsRequestSchema,
  VIDEO_PATHS,
  videoMakeRequestSchema,
} from '@dhuman/protocol';
import type { VideoService } from '../video/video-service.js';
import { ivhRoute } from './envelope.js';

/**
 * The video-generation API (spec §6.1). Submissions answer at once with a `TaskId` (and `TaskID`, which one client
 * reads [C]); the work happens in the queue and `getprogress` reports it.
 */
export function registerVideoRoutes(app: FastifyInstance, video: VideoService): void {
  ivhRoute(app, VIDEO_PATHS.videomake, videoMakeRequestSchema, (payload, { caller }) =>
    withTaskIdAlias(video.submitVideo(caller.appkey, 'videomake', payload)),
  );
  ivhRoute(app, VIDEO_PATHS.videomakeadvanced, videoMakeRequestSchema, (payload, { caller }) =>
    withTaskIdAlias(video.submitVideo(caller.appkey, 'videomakeadvanced', payload)),
  );
  ivhRoute(app, VIDEO_PATHS.tts, ttsRequestSchema, (payload, { caller }) =>
    withTaskIdAlias(video.submitAudio(caller.appkey, payload)),
  );
  ivhRoute(app, VIDEO_PATHS.getprogress, getProgressRequestSchema, (payload, { caller }) => ({
    ...video.progress(caller.appkey, payload.TaskId),
  }));
  ivhRoute(app, VIDEO_PATHS.getaction, getActionRequestSchema, (payload, { caller }) => ({
    Actions: video.actions(caller.appkey, payload.VirtualmanKey),
  }));
}

function withTaskIdAlias(submitted: { TaskId: string }): { TaskId: string; TaskID: string } {
  return { TaskId: submitted.TaskId, TaskID: submitted.TaskId };
}

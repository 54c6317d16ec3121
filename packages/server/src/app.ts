import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ProjectStore, SessionManager } from '@dhuman/core';
import { CONFIG_PATHS, DRIVE_PATHS, SESSION_PATHS, VIDEO_PATHS } from '@dhuman/protocol';
import type { ServerAssetCatalog } from './avatars/asset-catalog.js';
import type { AvatarRegistry } from './avatars/avatar-registry.js';
import type { DevTokens } from './auth/dev-tokens.js';
import type { DriveRegistry } from './drive/drive-registry.js';
import { registerDriveRoutes } from './http/drive-routes.js';
import type { VerifierOptions } from './auth/signature-verifier.js';
import type { ServerConfig } from './config.js';
import { registerAuthHook } from './http/auth-hook.js';
import { registerAvatarRoutes } from './http/avatar-routes.js';
import { registerDevTokenRoute } from './http/dev-token-route.js';
import { registerProjectRoutes } from './http/project-routes.js';
import { registerStaticRoutes } from './http/static-routes.js';
import { registerConfigRoutes } from './http/config-routes.js';
import { registerCors } from './http/cors.js';
import { BODY_LIMIT_BYTES, registerEnvelopeHandling } from './http/envelope.js';
import { registerOpsRoutes } from './http/ops-routes.js';
import { registerSessionRoutes } from './http/session-routes.js';
import { registerStreamRoutes } from './http/stream-routes.js';
import { registerMediaRoutes } from './http/media-routes.js';
import { registerVideoRoutes } from './http/video-routes.js';
import type { ServerMetrics } from './metrics.js';
import type { StreamTokens } from './stream/play-tokens.js';
import type { StreamFormat } from './stream/session-stream.js';
import type { SessionStreams } from './stream/session-streams.js';
import { newRequestIdGenerator, redactUrl } from './request-ids.js';
import type { MediaLinks } from './video/media-links.js';
import type { VideoService } from './video/video-service.js';

export interface AppDeps {
  config: ServerConfig;
  manager: SessionManager;
  metrics: ServerMetrics;
  verifier: VerifierOptions;
  streams: SessionStreams;
  tokens: StreamTokens;
  /** The stream settings a new session of this project (undefined: by asset) would stream with. */
  streamFormatOf: (projectId: string | undefined) => StreamFormat;
  drives: DriveRegistry;
  projects: ProjectStore;
  avatars: AvatarRegistry;
  assets: ServerAssetCatalog;
  devTokens: DevTokens;
  video: VideoService;
  mediaLinks: MediaLinks;
  /** `<data-dir>/media`, where finished tasks' files are served from. */
  mediaRoot: string;
}

const KNOWN_PATHS: ReadonlySet<string> = new Set([
  ...Object.values(SESSION_PATHS),
  ...Object.values(CONFIG_PATHS),
  DRIVE_PATHS.command,
  ...Object.values(VIDEO_PATHS),
]);

/** Builds the fastify app with every route and hook; listening is the caller's business. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: newRequestIdGenerator(),
    forceCloseConnections: true,
    ...(config.tlsCert && config.tlsKey
      ? { https: { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) } }
      : {}),
    logger: {
      level: config.logLevel,
      // A signature is a replayable credential for five minutes: never write it to a log.
      serializers: {
        req: (req: { method: string; url: string; id: string }) => ({
          method: req.method,
          url: redactUrl(req.url),
          id: req.id,
        }),
      },
      redact: ['accesstoken', '*.accesstoken', 'credential.accesstoken'],
    },
  });

  registerEnvelopeHandling(app, KNOWN_PATHS);
  await registerCors(app, config.corsOrigins);
  registerAuthHook(app, deps.verifier);

  app.addHook('onResponse', (request, reply, done) => {
    deps.metrics.requestDuration.observe(
      {
        route: request.routeOptions.url ?? 'not_found',
        method: request.method,
        code: String(request.ivhCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });

  registerSessionRoutes(app, {
    manager: deps.manager,
    playStreamAddr: (session) => deps.streams.playAddress(session),
    admitStream: (projectId) => deps.streams.admit(deps.streamFormatOf(projectId)),
    streamError: (sessionId) => deps.streams.streamError(sessionId),
  });
  registerConfigRoutes(app, deps.manager);
  registerDriveRoutes(app, {
    manager: deps.manager,
    drives: deps.drives,
    minIntervalMs: config.httpCommandIntervalMs,
  });
  registerOpsRoutes(app, deps.metrics, Date.now());
  registerProjectRoutes(app, { projects: deps.projects, assets: deps.assets });
  registerAvatarRoutes(app, { avatars: deps.avatars, projects: deps.projects });
  registerDevTokenRoute(app, deps.devTokens);
  registerVideoRoutes(app, deps.video);
  await registerMediaRoutes(app, { links: deps.mediaLinks, mediaRoot: deps.mediaRoot });
  await registerStreamRoutes(app, {
    streams: deps.streams,
    tokens: deps.tokens,
    findSession: (sessionId) => deps.manager.find(sessionId),
    iceServers: config.stream.iceServers,
    webDir: config.webDir,
  });
  await registerStaticRoutes(app, config.webDir, (message) => app.log.warn(message));
  return app;
}

import { mkdirSync, chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import {
  AvatarAssetStep,
  DEFAULT_STREAM_SETTINGS,
  MediaClock,
  SessionManager,
  type StreamSettings,
} from '@dhuman/core';
import { createSpeechServices, createTts, VoiceActivityDetector } from '@dhuman/speech';
import { DRIVE_PATHS, SESSION_STATUS } from '@dhuman/protocol';
import { buildApp } from './app.js';
import type { VerifierOptions } from './auth/signature-verifier.js';
import { ServerAssetCatalog } from './avatars/asset-catalog.js';
import { loadSharedAvatars } from './avatars/avatar-folders.js';
import { AvatarRegistry } from './avatars/avatar-registry.js';
import { DevTokens } from './auth/dev-tokens.js';
import {
  DEFAULT_VOICE,
  ensureAvatarAssets,
  ensureBuiltins,
  ensureCredential,
  type EnsuredCredential,
} from './bootstrap.js';
import type { ServerConfig } from './config.js';
import { ServerMetrics } from './metrics.js';
import { SqliteStore } from './store/sqlite-store.js';
import { UpgradeRouter } from './ws/upgrade-router.js';
import { DriveRegistry } from './drive/drive-registry.js';
import { VoiceStep } from './drive/voice-step.js';
import { CommandChannels } from './ws/command-channel.js';
import { MEDIA_TAP_PREFIX, MediaTaps } from './ws/media-tap.js';
import { DriverEngine } from './ws/driver-engine.js';
import { StreamTokens } from './stream/play-tokens.js';
import { SessionStreams } from './stream/session-streams.js';
import { RTMP_APP } from './stream/play-addresses.js';
import { EmbeddedRtmpServer } from './stream/rtmp/embedded-rtmp-server.js';
import { DialogueEngines } from './dialogue/dialogue-engines.js';
import { dialogueEngineFactory } from './dialogue/engine-factory.js';
import { createAsr } from './voice/create-asr.js';
import { VOICE_CHANNEL_PATTERN, VoiceChannels } from './voice/voice-channel.js';
import { MediaLinks } from './video/media-links.js';
import { DEFAULT_VIDEO_INPUT_LIMITS } from './video/video-inputs.js';
import { VideoJobRunner } from './video/video-job.js';
import { VideoService } from './video/video-service.js';
import { SqliteVideoTaskStore } from './video/video-task-store.js';
import { VirtualmanResolver } from './video/virtualman.js';

export interface RunningServer {
  app: FastifyInstance;
  /** Base URL of this server, e.g. `http://127.0.0.1:8080`. */
  url: string;
  config: ServerConfig;
  store: SqliteStore;
  manager: SessionManager;
  upgrades: UpgradeRouter;
  drives: DriveRegistry;
  channels: CommandChannels;
  credential: EnsuredCredential;
  /** The avatars known to the server (built-in, data-dir, uploaded). */
  avatars: AvatarRegistry;
  devTokens: DevTokens;
  /** The live streams (WebRTC, HLS, RTMP) of this node. */
  streams: SessionStreams;
  /** The visitors' microphones (voice conversation). */
  voices: VoiceChannels;
  /** The dialogue engines of the projects in use. */
  dialogues: DialogueEngines;
  /** Video generation: the task queue and its worker pool. */
  video: VideoService;
  /** Video tasks a previous process left unfinished and that were queued again at start-up. */
  requeuedVideoTasks: number;
  streamTokens: StreamTokens;
  /** Sessions found live at start-up and closed as lost to the restart. */
  recoveredSessions: number;
  /**
   * Settles once the speech engine, warmed in the background from start-up on, is ready (true) or its warm-up
   * failed (false: it then starts on first use). Listening does not wait for it.
   */
  speechReady: Promise<boolean>;
  /** Graceful stop: closes live sessions, stops listening, closes the store. Idempotent. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Process-wide metrics (event loop, memory); off in tests that start many servers in one process. */
  processMetrics?: boolean;
  /** Environment for engine adapters (DHUMAN_TTS_URL…); defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

/** A push to the customer's storage may take this long (a large video over a slow link). */
const STORAGE_TIMEOUT_MS = 10 * 60_000;

/** Expired dev tokens are refused at once; this only keeps the table small. */
const DEV_TOKEN_PURGE_MS = 10 * 60_000;

export function databasePath(dataDir: string): string {
  return join(dataDir, 'dhuman.db');
}

/**
 * Opens the data dir's store, making the directory private to this user first. The built-in demo avatar and
 * project are ensured here, so the CLI can use them on a data dir no server has run on yet.
 */
export function openStore(dataDir: string): SqliteStore {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  const store = new SqliteStore(databasePath(dataDir));
  try {
    ensureBuiltins(store);
  } catch (error) {
    store.close();
    throw error;
  }
  return store;
}

/**
 * The embedded RTMP server that rtmp sessions without a push URL publish to and viewers pull from. Publishing
 * takes the session's publish token, playing its play token, and only while the session is live. A port that is
 * taken is not fatal: the server runs without it (rtmp sessions then need a CssCustomPushUrl) and says so.
 */
async function startEmbeddedRtmp(
  config: ServerConfig,
  tokens: StreamTokens,
  manager: SessionManager,
  log: FastifyBaseLogger,
): Promise<EmbeddedRtmpServer | undefined> {
  try {
    const server = await EmbeddedRtmpServer.start({
      host: config.host,
      port: config.stream.rtmpPort ?? 0,
      authorize: (kind, app, stream, query) =>
        app === RTMP_APP &&
        tokens.verify(stream, query.get('token'), kind) &&
        manager.find(stream)?.status === SESSION_STATUS.READY,
      log: log.child({ component: 'rtmp' }),
    });
    return server; // it logs "rtmp server listening" itself
  } catch (error) {
    log.warn(
      { err: error, port: config.stream.rtmpPort },
      'embedded RTMP server not started; rtmp sessions need ProtocolOption.CssCustomPushUrl or DHUMAN_RTMP_URL',
    );
    return undefined;
  }
}

export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  const store = openStore(config.dataDir);
  const speechEngine = createTts(options.env ?? process.env, { espeakWorkers: config.ttsWorkers });
  let rtmpServer: EmbeddedRtmpServer | undefined;
  try {
    const credential = ensureCredential(store, config.credential);
    const shared = await loadSharedAvatars(config.dataDir);
    ensureAvatarAssets(store, shared.avatars);
    const avatars = new AvatarRegistry(shared.avatars, store, (appkey, avatarKey, reason) =>
      app.log.warn({ appkey, avatarKey, reason }, 'stored avatar upload no longer valid; ignored'),
    );
    const assets = new ServerAssetCatalog(store, avatars);
    const devTokens = new DevTokens({
      store,
      actsFor: credential.credential.appkey,
      ttlMs: config.devTokenTtlMs,
      enabled: config.devTokens,
    });
    devTokens.purge();
    const manager = new SessionManager({
      sessions: store,
      projects: store,
      credentials: store,
      assets,
      steps: [new AvatarAssetStep(assets), new VoiceStep(speechEngine.tts, () => speechEngine.warmUp())],
      defaultMaxSessions: config.maxSessionsPerAppkey,
      idleTimeoutMs: config.sessionIdleTimeoutMs,
      channelIdleMs: config.channelIdleMs,
      prepareTimeoutMs: config.prepareTimeoutMs,
    });
    const recoveredSessions = manager.closeAllForRestart();
    const verifier: VerifierOptions = {
      lookup: (appkey) => store.getCredential(appkey) ?? devTokens.lookup(appkey),
      windowSec: config.signatureWindowSec,
    };
    const metrics = new ServerMetrics(store, { processMetrics: options.processMetrics ?? false });
    const clock = new MediaClock();
    const dialogues = new DialogueEngines(store, dialogueEngineFactory(config.llm));
    const drives = new DriveRegistry(
      manager,
      createSpeechServices(speechEngine.tts),
      clock,
      (event) => metrics.observeDriveEvent(event),
      (session) => dialogues.forSession(session),
    );
    const asr = createAsr(config.asr);
    const streamTokens = StreamTokens.open(config.dataDir);
    // HLS segments live in the private data dir; whatever a killed process left there is removed at start.
    const hlsRoot = join(config.dataDir, 'live');
    rmSync(hlsRoot, { recursive: true, force: true });
    mkdirSync(hlsRoot, { mode: 0o700 });
    let baseUrl = '';
    // Sessions created by asset have no project: they stream with the defaults.
    const settingsOfProject = (projectId: string | undefined): StreamSettings =>
      (projectId ? store.getProject(projectId)?.stream : undefined) ?? DEFAULT_STREAM_SETTINGS;
    const streams = new SessionStreams({
      manager,
      drives,
      clock,
      config: config.stream,
      tokens: streamTokens,
      manifestFor: (session) => assets.avatarOfAsset(session.appkey, session.assetKey)?.manifest,
      settingsFor: (session) => settingsOfProject(session.projectId || undefined),
      baseUrl: () => baseUrl,
      embeddedRtmpPort: () => rtmpServer?.port,
      hlsRoot,
      // Called only once the app exists (streams start on requests and session events).
      log: { info: (o, m) => app.log.info(o, m), warn: (o, m) => app.log.warn(o, m) },
    });
    metrics.observeStreams(streams);
    const mediaRoot = join(config.dataDir, 'media');
    mkdirSync(mediaRoot, { recursive: true, mode: 0o700 });
    const mediaLinks = new MediaLinks(streamTokens, () => baseUrl);
    const resolver = new VirtualmanResolver(store, assets);
    const s3 = config.video.s3;
    const video = new VideoService({
      store: new SqliteVideoTaskStore(store.database),
      runner: new VideoJobRunner({
        tts: speechEngine.tts,
        resolver,
        mediaRoot,
        limits: DEFAULT_VIDEO_INPUT_LIMITS,
        ...(s3 && { s3: { ...s3, forcePathStyle: s3.endpoint !== undefined } }),
        storageTimeoutMs: STORAGE_TIMEOUT_MS,
      }),
      resolver,
      voices: () => speechEngine.tts.voices(),
      defaultVoice: DEFAULT_VOICE,
      links: mediaLinks,
      mediaRoot,
      concurrency: config.video.workers,
      retentionMs: config.video.retentionMs,
      maxTasksPerAppkey: config.video.maxTasksPerAppkey,
      maxQueuedTasks: config.video.maxQueuedTasks,
      // Called only once the app exists (tasks start after listening).
      log: {
        info: (o, m) => app.log.info(o, m),
        warn: (o, m) => app.log.warn(o, m),
        error: (o, m) => app.log.error(o, m),
      },
    });
    const app = await buildApp({
      drives,
      config,
      manager,
      metrics,
      verifier,
      streams,
      tokens: streamTokens,
      streamFormatOf: settingsOfProject,
      projects: store,
      avatars,
      assets,
      devTokens,
      video,
      mediaLinks,
      mediaRoot,
    });
    for (const problem of shared.problems) {
      app.log.warn({ dir: problem.dir, reason: problem.message }, 'avatar folder skipped');
    }
    manager.on('error', (error, sessionId) =>
      app.log.error({ err: error, sessionId }, 'session preparation failed'),
    );
    const upgrades = new UpgradeRouter(
      verifier,
      (url, error, status) =>
        app.log.info({ url, status, code: error.code, reason: error.message }, 'websocket upgrade refused'),
      config.corsOrigins,
    );
    app.server.on('upgrade', upgrades.handle);
    const channels = new CommandChannels({ manager, drives, log: app.log });
    upgrades.register(DRIVE_PATHS.commandChannel, channels.handleUpgrade);
    const taps = new MediaTaps(manager, drives);
    const voices = new VoiceChannels({
      manager,
      drives,
      asr,
      language: config.asr.language,
      createDetector: () => new VoiceActivityDetector(),
      maxChannels: config.asr.maxChannels,
    });
    // Both live under /dhuman/ws/sessions/<SessionId>/…: the last path segment picks the channel.
    upgrades.registerPrefix(MEDIA_TAP_PREFIX, (request, socket, head, caller) => {
      const path = (request.url ?? '').split('?')[0] ?? '';
      if (VOICE_CHANNEL_PATTERN.test(path)) voices.handleUpgrade(request, socket, head, caller);
      else taps.handleUpgrade(request, socket, head, caller);
    });
    const engine = new DriverEngine({
      manager,
      tts: speechEngine.tts,
      log: app.log,
      dialogueFor: (projectId) => dialogues.forSession({ projectId }),
    });
    upgrades.register(DRIVE_PATHS.driverEngine, engine.handleUpgrade);

    if (config.stream.rtmpPort !== undefined && !config.stream.rtmpUrl) {
      rtmpServer = await startEmbeddedRtmp(config, streamTokens, manager, app.log);
      drives.onEnded((sessionId) => rtmpServer?.closeStream(RTMP_APP, sessionId));
    }
    await app.listen({ host: config.host, port: config.port });
    // A cold engine makes the first utterance after start take seconds (worker threads, WASM, voices): warm it
    // now, in the background, rather than on the first createsession or driverengine request.
    let closing: Promise<void> | undefined;
    const warmStart = performance.now();
    const speechReady = speechEngine.warmUp().then(
      () => {
        app.log.info({ ms: Math.round(performance.now() - warmStart) }, 'speech engine ready');
        return true;
      },
      (error: unknown) => {
        if (!closing) app.log.warn({ err: error }, 'speech engine warm-up failed; it starts on first use');
        return false;
      },
    );
    manager.startIdleSweep();
    // After listening, so the links in getprogress and callbacks carry the server's real address.
    const requeuedVideoTasks = video.start();
    if (requeuedVideoTasks > 0) {
      app.log.warn(
        { tasks: requeuedVideoTasks },
        'video tasks left unfinished by a previous process queued again',
      );
    }
    const purgeTimer = setInterval(() => {
      try {
        devTokens.purge();
      } catch (error) {
        app.log.error({ err: error }, 'purging expired dev tokens failed');
      }
    }, DEV_TOKEN_PURGE_MS);
    purgeTimer.unref();
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const scheme = config.tlsCert ? 'https' : 'http';
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const url = config.publicUrl ?? `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
    baseUrl = url;
    if (recoveredSessions > 0) {
      app.log.warn({ sessions: recoveredSessions }, 'closed sessions left live by a previous process');
    }

    const close = (): Promise<void> => {
      closing ??= (async () => {
        clearInterval(purgeTimer);
        manager.closeAllForRestart();
        manager.shutdown();
        await video.close();
        channels.close();
        taps.close();
        voices.close();
        engine.close();
        await streams.close();
        await rtmpServer?.close();
        rmSync(hlsRoot, { recursive: true, force: true });
        drives.close();
        clock.close();
        await app.close();
        await speechEngine.tts.close();
        dialogues.close();
        await asr?.close();
        store.close();
      })();
      return closing;
    };
    return {
      app,
      url,
      config,
      store,
      manager,
      upgrades,
      drives,
      channels,
      credential,
      avatars,
      devTokens,
      streams,
      voices,
      dialogues,
      video,
      requeuedVideoTasks,
      streamTokens,
      recoveredSessions,
      speechReady,
      close,
    };
  } catch (error) {
    await rtmpServer?.close();
    store.close();
    await speechEngine.tts.close();
    throw error;
  }
}

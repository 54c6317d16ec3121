import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DriveEventPayload } from '@dhuman/protocol';
import type { SessionStore } from '@dhuman/core';
import { SESSION_STATUS } from '@dhuman/protocol';
import { statusName } from '@dhuman/core';

/** What the stream gauges read (SessionStreams). */
export interface StreamMetricsSource {
  readonly running: number;
  readonly viewers: number;
  readonly load: number;
  totals(): { videoFrames: number; repeatedFrames: number; droppedFrames: number; skippedMs: number };
}

/** Prometheus metrics of one server instance, on its own registry so several servers can share a process. */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly requestDuration: Histogram<'route' | 'method' | 'code'>;
  /** Drive latency by stage, from the command's arrival: first TTS audio ready, first sample played. */
  readonly driveStage: Histogram<'stage' | 'kind'>;
  readonly driveEvents: Counter<'type' | 'status'>;

  constructor(sessions: SessionStore, options: { processMetrics: boolean }) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'dhuman_' });
    this.requestDuration = new Histogram({
      name: 'dhuman_http_request_duration_seconds',
      help: 'HTTP request latency by route, method and IVH Header.Code',
      labelNames: ['route', 'method', 'code'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    this.driveStage = new Histogram({
      name: 'dhuman_drive_stage_seconds',
      help: 'Time from a drive command to a stage: first_chunk (TTS audio ready), first_sample (played)',
      labelNames: ['stage', 'kind'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    this.driveEvents = new Counter({
      name: 'dhuman_drive_events_total',
      help: 'Downstream command-channel events by Type and SpeakStatus',
      labelNames: ['type', 'status'],
      registers: [this.registry],
    });
    new Gauge({
      name: 'dhuman_sessions',
      help: 'Sessions in the store by status',
      labelNames: ['status'],
      registers: [this.registry],
      collect() {
        const counts = sessions.countByStatus();
        for (const status of Object.values(SESSION_STATUS)) {
          this.set({ status: statusName(status).toLowerCase() }, counts.get(status) ?? 0);
        }
      },
    });
  }

  /** Live-stream gauges, read from `streams` at each scrape. */
  observeStreams(streams: StreamMetricsSource): void {
    const registers = [this.registry];
    new Gauge({
      name: 'dhuman_streams_running',
      help: 'Live streams this node is encoding',
      registers,
      collect() {
        this.set(streams.running);
      },
    });
    new Gauge({
      name: 'dhuman_stream_viewers',
      help: 'WebRTC (WHEP) viewers connected',
      registers,
      collect() {
        this.set(streams.viewers);
      },
    });
    new Gauge({
      name: 'dhuman_stream_load_units',
      help: 'Capacity units in use (one unit = a 512x512 25 fps stream); DHUMAN_STREAM_CAPACITY is the limit',
      registers,
      collect() {
        this.set(streams.load);
      },
    });
    new Gauge({
      name: 'dhuman_stream_frames',
      help: 'Video frames written by all live streams since start: encoded, repeated (render late), dropped',
      labelNames: ['kind'],
      registers,
      collect() {
        const totals = streams.totals();
        this.set({ kind: 'encoded' }, totals.videoFrames);
        this.set({ kind: 'repeated' }, totals.repeatedFrames);
        this.set({ kind: 'dropped' }, totals.droppedFrames);
      },
    });
    new Gauge({
      name: 'dhuman_stream_skipped_ms',
      help: 'Media time skipped by live streams since start because the encoder fell behind',
      registers,
      collect() {
        this.set(streams.totals().skippedMs);
      },
    });
  }

  /** Counts every drive event and records the stage timings TextStart/AudioStart carry. */
  observeDriveEvent(event: DriveEventPayload): void {
    this.driveEvents.inc({ type: String(event.Type), status: event.SpeakStatus ?? '' });
    const timings = event.Timings;
    if (!timings) return;
    const kind = event.SpeakStatus === 'AudioStart' ? 'audio' : 'text';
    if (timings.FirstChunkMs !== undefined)
      this.driveStage.observe({ stage: 'first_chunk', kind }, timings.FirstChunkMs / 1000);
    if (timings.FirstSampleMs !== undefined)
      this.driveStage.observe({ stage: 'first_sample', kind }, timings.FirstSampleMs / 1000);
  }
}

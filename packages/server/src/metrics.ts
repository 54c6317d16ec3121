import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { SessionStore } from '@dhuman/core';
import { SESSION_STATUS } from '@dhuman/protocol';
import { statusName } from '@dhuman/core';

/** Prometheus metrics of one server instance, on its own registry so several servers can share a process. */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly requestDuration: Histogram<'route' | 'method' | 'code'>;

  constructor(sessions: SessionStore, options: { processMetrics: boolean }) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'dhuman_' });
    this.requestDuration = new Histogram({
      name: 'dhuman_http_request_duration_seconds',
      help: 'HTTP request latency by route, method and IVH Header.Code',
      labelNames: ['route', 'method', 'code'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
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
}

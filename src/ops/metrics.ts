import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface MetricsSources {
  /** Packages in the current content of each distribution, by architecture. */
  packageCounts(): Promise<Array<{ distribution: string; arch: string; count: number }>>;
  /** Jobs waiting or running. */
  jobQueueDepth(): Promise<number>;
}

/**
 * Every metric of one Packyard instance, on its own registry (no global state, so two instances in one
 * process do not mix their counts). The HTTP and package series keep Repod's names and labels so existing
 * dashboards keep working; series Repod did not have use the `packyard_` prefix.
 */
export class OpsMetrics {
  readonly registry = new Registry();
  private readonly httpRequests: Counter<'method' | 'path' | 'status_code'>;
  private readonly httpDuration: Histogram<'method' | 'path' | 'status_code'>;
  private readonly uploads: Counter<'status'>;
  private readonly publishDuration: Histogram<'repository' | 'result'>;
  private readonly requestSeries = new Map<string, { count: { inc(): void }; duration: { observe(v: number): void } }>();

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    this.httpRequests = new Counter({
      name: 'repod_http_requests_total',
      help: 'HTTP requests by method, route template and status code',
      labelNames: ['method', 'path', 'status_code'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'repod_http_request_duration_seconds',
      help: 'HTTP request latency by method, route template and status code',
      labelNames: ['method', 'path', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.uploads = new Counter({
      name: 'repod_uploads_total',
      help: 'Uploads by outcome: accepted, pending_review, rejected, already_imported, or error (refused request)',
      labelNames: ['status'],
      registers,
    });
    this.publishDuration = new Histogram({
      name: 'packyard_publish_duration_seconds',
      help: 'Time to build and sign one publication of a repository',
      labelNames: ['repository', 'result'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    new Gauge({
      name: 'repod_packages_total',
      help: 'Packages in the current content of each distribution, by architecture',
      labelNames: ['distribution', 'arch'],
      registers,
      async collect() {
        this.reset();
        for (const row of await sources.packageCounts()) this.set({ distribution: row.distribution, arch: row.arch }, row.count);
      },
    });
    new Gauge({
      name: 'packyard_job_queue_depth',
      help: 'Jobs waiting or running',
      registers,
      async collect() {
        this.set(await sources.jobQueueDepth());
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /** `path` must be the route template (`/artifacts/:name`), never the raw URL, to bound the label set. */
  observeRequest(method: string, path: string, statusCode: number, seconds: number): void {
    // The labelled children are looked up once per series: hashing the labels on every request would
    // cost the serving plane more than the counting does.
    const key = `${method} ${statusCode} ${path}`;
    let series = this.requestSeries.get(key);
    if (!series) {
      const labels = { method, path, status_code: String(statusCode) };
      series = { count: this.httpRequests.labels(labels), duration: this.httpDuration.labels(labels) };
      this.requestSeries.set(key, series);
    }
    series.count.inc();
    series.duration.observe(seconds);
  }

  countUpload(status: string): void {
    this.uploads.inc({ status });
  }

  /** For the publisher: one observation per publication built. */
  observePublish(repository: string, seconds: number, result: 'success' | 'failure'): void {
    this.publishDuration.observe({ repository, result }, seconds);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

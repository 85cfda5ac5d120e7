// Reads network_stats_history over a time range, downsampled in SQL to a bounded number of points.
import type { SqlDatabase, SqlRow, SqlStatement } from "./sqlite-driver.ts";

export interface HistoryRange {
  /** Inclusive bounds, epoch milliseconds. */
  from: number;
  to: number;
  /** At most this many points come back. */
  points: number;
}

/** One published message's figures (or, downsampled, the last message of its slice of the range). */
export interface HistoryPoint {
  timestamp: string;
  activeNodes: number;
  totalNodes: number;
  totalTasks: number;
  completedTasks: number;
  failedTasks: number;
  cachedTasks: number;
  tasksLast24h: number;
  totalInvoices: number;
  invoicesLast24h: number;
  successRate: number;
  cacheHitRate: number;
}

export interface HistoryAnswer {
  /** Messages published in the range. */
  published: number;
  downsampled: boolean;
  points: HistoryPoint[];
}

const COLUMNS = `published_at, active_nodes, total_nodes, total_tasks, completed_tasks, failed_tasks, cached_tasks,
  tasks_last_24h, total_invoices, invoices_last_24h, success_rate, cache_hit_rate`;

function toPoint(r: SqlRow): HistoryPoint {
  const n = (v: unknown) => Number(v);
  return {
    timestamp: new Date(n(r.published_at)).toISOString(),
    activeNodes: n(r.active_nodes), totalNodes: n(r.total_nodes), totalTasks: n(r.total_tasks),
    completedTasks: n(r.completed_tasks), failedTasks: n(r.failed_tasks), cachedTasks: n(r.cached_tasks),
    tasksLast24h: n(r.tasks_last_24h), totalInvoices: n(r.total_invoices), invoicesLast24h: n(r.invoices_last_24h),
    successRate: n(r.success_rate), cacheHitRate: n(r.cache_hit_rate),
  };
}

export class HistoryQuery {
  private readonly count: SqlStatement;
  private readonly all: SqlStatement;
  private readonly sliced: SqlStatement;

  constructor(db: SqlDatabase) {
    const inRange = "FROM network_stats_history WHERE published_at BETWEEN ? AND ?";
    this.count = db.prepare(`SELECT COUNT(*) AS n ${inRange}`);
    this.all = db.prepare(`SELECT ${COLUMNS} ${inRange} ORDER BY published_at, id`);
    // The range is cut into `points` equal slices of time; each slice answers its last message. With MAX(),
    // SQLite takes the other (bare) columns from the row that holds the maximum, so the figures of one
    // point always come from one message. Cumulative totals stay exact; gauges are sampled, not averaged.
    this.sliced = db.prepare(`SELECT ${COLUMNS.replace("published_at", "MAX(published_at) AS published_at")}
      ${inRange} GROUP BY CAST((published_at - ?) * ? / ? AS INTEGER) ORDER BY published_at`);
  }

  /** Everything in the range when it fits in `points`, otherwise one point per slice of time (gaps give fewer). */
  read(range: HistoryRange): HistoryAnswer {
    const published = Number(this.count.get(range.from, range.to)?.n ?? 0);
    const downsampled = published > range.points;
    // Slice number = offset * points / span, truncated; CAST keeps it whole however the driver binds numbers.
    const span = range.to - range.from + 1;
    const rows = downsampled
      ? this.sliced.all(range.from, range.to, range.from, range.points, span)
      : this.all.all(range.from, range.to);
    return { published, downsampled, points: rows.map(toPoint) };
  }
}

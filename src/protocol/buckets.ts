// The closed sets of bucket labels the wire contract allows (PROTOCOL.md).

export const EXECUTION_TIME_BUCKETS = ["unknown", "<100ms", "100-500ms", "500ms-1s", "1-5s", "5-10s", "10-30s", "30s-1m", ">1m"] as const;
export const GAS_USED_BUCKETS = ["unknown", "<100K", "100K-1M", "1M-10M", "10M-100M", ">100M"] as const;
export const STEPS_COMPUTED_BUCKETS = GAS_USED_BUCKETS;
export const MEMORY_USED_BUCKETS = ["unknown", "<64MB", "64-256MB", "256MB-1GB", ">1GB"] as const;
export const ACTIVE_TASKS_BUCKETS = ["0", "1", "2-3", "4-5", ">5"] as const;
export const TOTAL_TASKS_BUCKETS = ["0", "1-10", "10-50", "50-100", "100-500", "500-1K", ">1K"] as const;
export const CONTINENT_BUCKETS = ["AF", "AN", "AS", "EU", "NA", "OC", "SA"] as const;
export const NODE_STATUSES = ["online", "offline"] as const;

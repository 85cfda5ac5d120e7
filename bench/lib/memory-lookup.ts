// The in-memory RecordLookup the core-only benchmark uses: the same one the core tests use.
export { MemoryRecords as MemoryLookup } from "../../test/helpers/memory-records.ts";

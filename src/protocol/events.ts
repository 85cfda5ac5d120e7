// The validated, typed form of inbound messages that the core aggregates.
import type { HeartbeatData, InvoiceCreatedData, TaskCompletedData, TaskReceivedData } from "./schemas.ts";

interface EventBase {
  nodeId: string;
  /** When the message reached the broker (ms since epoch): JetStream server time, else receipt time. */
  at: number;
  /** The sender's own timestamp (ms), rounded down by up to 5 minutes; informational only. */
  sentAt: number;
  version: string;
}

type WithTaskId<T> = Omit<T, "taskIdHash"> & { taskIdHash: string };

export type TaskReceivedEvent = EventBase & { type: "task_received"; data: WithTaskId<TaskReceivedData> };
export type TaskCompletedEvent = EventBase & { type: "task_completed"; data: WithTaskId<TaskCompletedData> };
export type InvoiceCreatedEvent = EventBase & { type: "invoice_created"; data: InvoiceCreatedData };
export type HeartbeatEvent = EventBase & { type: "heartbeat"; data: HeartbeatData };
export type NodeJoinedEvent = EventBase & { type: "node_joined" };
export type NodeLeftEvent = EventBase & { type: "node_left" };

export type InboundEvent =
  | TaskReceivedEvent
  | TaskCompletedEvent
  | InvoiceCreatedEvent
  | HeartbeatEvent
  | NodeJoinedEvent
  | NodeLeftEvent;

// The NATS subjects of the federation and which message type each one carries.

export const INBOUND_SUBJECTS = {
  "truebit.tasks.received": "task_received",
  "truebit.tasks.completed": "task_completed",
  "truebit.invoices.created": "invoice_created",
  "truebit.heartbeat": "heartbeat",
  "truebit.nodes.joined": "node_joined",
  "truebit.nodes.left": "node_left",
} as const;

export type InboundSubject = keyof typeof INBOUND_SUBJECTS;
export type InboundType = (typeof INBOUND_SUBJECTS)[InboundSubject];

export const STATS_SUBJECT = "truebit.stats.aggregated";

export function isInboundSubject(subject: string): subject is InboundSubject {
  return Object.hasOwn(INBOUND_SUBJECTS, subject);
}

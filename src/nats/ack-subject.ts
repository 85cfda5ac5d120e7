// Reads the stream and delivery sequences and server timestamp of a JetStream delivery from its ack subject in one pass.

export interface Delivery {
  /** The stream sequence: the same for every redelivery of one message. */
  seq: number;
  /** The consumer's delivery sequence: one more for each delivery, redeliveries included, so a gap means deliveries never seen. */
  dseq: number;
  /** When the server stored the message, in milliseconds. */
  atMs: number;
}

/**
 * The reply subject is `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ns>.<pending>` (9 tokens)
 * or, with a domain and account hash, `$JS.ACK.<domain>.<hash>.<stream>.<consumer>.<delivered>.<sseq>.
 * <cseq>.<ns>.<pending>[.<token>]`. The client's own getters split it into arrays twice per message
 * (seq, then a BigInt timestamp); this finds the tokens by their dots. Undefined for anything else.
 */
export function parseAckSubject(reply: string): Delivery | undefined {
  if (!reply.startsWith("$JS.ACK.")) return undefined;
  const dots: number[] = [];
  for (let i = reply.indexOf("."); i !== -1 && dots.length < 13; i = reply.indexOf(".", i + 1)) dots.push(i);
  const tokens = dots.length + 1;
  let seqToken: number;
  if (tokens === 9) seqToken = 5;
  else if (tokens === 11 || tokens === 12) seqToken = 7;
  else return undefined;
  const token = (n: number) => reply.slice(dots[n - 1]! + 1, n < dots.length ? dots[n] : reply.length);
  const seq = Number(token(seqToken));
  const dseq = Number(token(seqToken + 1));
  const ns = token(seqToken + 2);
  // Nanoseconds to whole milliseconds without a BigInt: drop the last six digits.
  const atMs = ns.length > 6 ? Number(ns.slice(0, -6)) : 0;
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(dseq) || !/^\d+$/.test(ns) || !Number.isSafeInteger(atMs)) return undefined;
  return { seq, dseq, atMs };
}

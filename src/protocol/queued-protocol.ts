import { nngError } from "../core/errors.js";
import type { Message } from "../core/message.js";
import type { OpOptions } from "../core/op.js";
import { Protocol } from "./protocol.js";
import { FairQueue } from "./queues.js";

/**
 * A protocol that receives through one fair queue (pair, bus, pull, and the
 * raw forms of req, rep, surveyor, respondent): receive, give back, and fail
 * waiting receivers on close.
 * @internal
 */
export abstract class QueuedProtocol extends Protocol {
  readonly fq: FairQueue;

  constructor(raw: boolean, recvBuffer = 1) {
    super(raw);
    this.fq = new FairQueue(recvBuffer);
  }

  recv(opts: OpOptions | undefined): Promise<Message> {
    const op = this.recvOp(opts);
    this.fq.get(op);
    return op.promise;
  }

  override requeue(m: Message): void {
    this.fq.unshift(m);
  }

  close(): void {
    this.closed = true;
    this.fq.failAll(nngError("ECLOSED"));
  }
}

import { nngError } from "../core/errors.js";
import { EMPTY, type Message, readU32, shiftWord, u32be } from "../core/message.js";
import type { OpOptions } from "../core/op.js";
import type { OptionSpec, OptionValue } from "../core/options.js";
import type { Pipe } from "../core/pipe.js";
import { BUFFER_OPTION, DEFAULT_TTL, TTL_OPTION } from "./common.js";
import { PROTO } from "./ids.js";
import { QueuedProtocol } from "./queued-protocol.js";
import { LoadBalancer, Outbox } from "./queues.js";

/** Each poly pipe queues at most 2 messages; more are dropped (nng). */
const POLY_PIPE_QUEUE = 2;

/**
 * pair1, and its polyamorous form ("poly"). The header is a 32-bit hop count:
 * cooked sends start it at 0 and every pipe send adds one, so a direct peer
 * reads 1. Over 0xff or short → the pipe is closed; over `ttl-max` → dropped.
 * Poly accepts many peers; a send picks its pipe with `Message.pipe` (0 = the
 * first pipe) and is dropped silently when that pipe is gone or full.
 * @internal
 */
export class Pair1 extends QueuedProtocol {
  readonly info = PROTO.pair1;
  private ttl = DEFAULT_TTL;
  private readonly lb = new LoadBalancer(0);
  private readonly pipes = new Map<number, Pipe>();

  constructor(
    raw: boolean,
    readonly poly: boolean,
  ) {
    super(raw, poly ? 1 : 0);
  }

  protected override get ownOptions(): Record<string, OptionSpec> {
    return {
      "recv-buffer": BUFFER_OPTION,
      "send-buffer": BUFFER_OPTION,
      "ttl-max": TTL_OPTION,
      "pair1:polyamorous": { type: "bool", readonly: true },
    };
  }
  protected override getOwnOpt(name: string): OptionValue | undefined {
    if (name === "recv-buffer") return this.fq.cap;
    if (name === "send-buffer") return this.lb.cap;
    if (name === "ttl-max") return this.ttl;
    if (name === "pair1:polyamorous") return this.poly;
    return undefined;
  }
  protected override setOwnOpt(name: string, v: OptionValue): void {
    if (name === "recv-buffer") this.fq.cap = v as number;
    if (name === "send-buffer") this.lb.cap = v as number;
    if (name === "ttl-max") this.ttl = v as number;
  }

  addPipe(p: Pipe): void {
    this.checkPeer(p);
    if (!this.poly) {
      if (this.pipes.size > 0) throw nngError("EBUSY", "pair already has a peer");
      this.lb.addPipe(p);
    } else {
      p.data = new Outbox(p, POLY_PIPE_QUEUE, false);
    }
    this.pipes.set(p.id, p);
  }
  removePipe(p: Pipe): void {
    if (this.pipes.get(p.id) !== p) return;
    this.pipes.delete(p.id);
    if (!this.poly) this.lb.removePipe(p);
  }
  override pipeReady(p: Pipe): void {
    if (this.poly) (p.data as Outbox | undefined)?.flush();
    else this.lb.pipeReady(p);
  }

  pipeMessage(p: Pipe, m: Message): void {
    const hops = shiftWord(m);
    if (hops === undefined || hops > 0xff) {
      p.close();
      return;
    }
    if (hops > this.ttl) return;
    m.header = this.raw ? u32be(hops) : EMPTY;
    this.fq.put(p, m);
  }

  send(m: Message, opts: OpOptions | undefined): Promise<void> {
    let hops = 0;
    if (this.raw) {
      if (m.header.length !== 4 || (hops = readU32(m.header)) >= 0xff) {
        return Promise.reject(nngError("EPROTO", "raw pair1 needs a 4-byte hop count below 255"));
      }
    }
    const header = u32be(hops + 1);
    if (this.poly) {
      const p = m.pipe === 0 ? this.pipes.values().next().value : this.pipes.get(m.pipe);
      (p?.data as Outbox | undefined)?.push(header, m.body);
      return Promise.resolve();
    }
    const op = this.sendOp(opts);
    this.lb.send({ header, body: m.body, op });
    return op.promise;
  }
  override close(): void {
    super.close();
    this.lb.failAll(nngError("ECLOSED"));
  }
}

import { nngError } from "../core/errors.js";
import { EMPTY, Message, readU32, shiftWord, u32be } from "../core/message.js";
import { effectiveTimeout, Pending, type OpOptions } from "../core/op.js";
import type { Pipe } from "../core/pipe.js";
import { ContextProtocol } from "./context-protocol.js";
import { ProtoContext } from "./protocol.js";
import { Outbox, SENT, takeBacktrace } from "./queues.js";

/** Replies wait in the pipe's queue while it is busy; raw replies beyond this are dropped. */
const RAW_PIPE_QUEUE = 64;

/**
 * A receive of a replier context: handing it a request saves the backtrace
 * and pipe at once, so the reader's promise is the operation's own (no
 * promise hop per request).
 * @internal
 */
class ReplierRecv extends Pending<Message> {
  constructor(timeout: number, signal: AbortSignal | undefined, private readonly ctx: ReplierCtx) {
    super(timeout, signal);
  }

  override resolve(m: Message): boolean {
    if (this.done) return false;
    this.ctx.took(this, m);
    return super.resolve(m);
  }

  override reject(err: unknown): boolean {
    if (!super.reject(err)) return false;
    this.ctx.forget(this);
    return true;
  }
}

/**
 * The answering side's state: the backtrace and pipe of the last request
 * received, so the reply goes back on that pipe only.
 * @internal
 */
export class ReplierCtx extends ProtoContext {
  private backtrace: Uint8Array | undefined;
  private pipeId = 0;
  /** Receives waiting in the shared queue, which closing the context fails: the usual one, and any more. */
  private waiting: ReplierRecv | undefined;
  private moreWaiting: Set<ReplierRecv> | undefined;

  constructor(private readonly owner: Replier) {
    super();
  }

  recv(opts: OpOptions | undefined): Promise<Message> {
    if (this.closed) return Promise.reject(nngError("ECLOSED"));
    this.backtrace = undefined;
    const op = new ReplierRecv(effectiveTimeout(opts, this.recvTimeout), opts?.signal, this);
    this.owner.fq.get(op);
    if (!op.done) {
      if (this.waiting === undefined) this.waiting = op;
      else (this.moreWaiting ??= new Set()).add(op);
    }
    return op.promise;
  }

  /** `op` takes request `m`: its backtrace and pipe are where the reply goes. */
  took(op: ReplierRecv, m: Message): void {
    this.backtrace = m.header;
    this.pipeId = m.pipe;
    m.header = EMPTY;
    this.forget(op);
  }

  forget(op: ReplierRecv): void {
    if (this.waiting === op) this.waiting = undefined;
    else this.moreWaiting?.delete(op);
  }

  override requeue(m: Message): void {
    if (this.closed || !this.backtrace) return;
    m.header = this.backtrace;
    this.backtrace = undefined;
    this.owner.fq.unshift(m);
  }

  send(m: Message, _opts: OpOptions | undefined): Promise<void> {
    if (this.closed) return Promise.reject(nngError("ECLOSED"));
    const bt = this.backtrace;
    if (!bt) return Promise.reject(nngError("ESTATE", `no ${this.owner.info.peerName} to reply to`));
    this.backtrace = undefined;
    // The asker's pipe may be gone: the reply is then discarded and the send still succeeds.
    const p = this.owner.pipes.get(this.pipeId);
    (p?.data as Outbox | undefined)?.push(bt, m.body);
    return SENT;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.backtrace = undefined;
    this.owner.contexts.delete(this);
    // Unlink our waiting receives from the shared queue, so no request is handed to a closed context.
    const ops = [...(this.moreWaiting ?? [])];
    if (this.waiting) ops.unshift(this.waiting);
    for (const op of ops) op.fail(nngError("ECLOSED"));
    this.waiting = undefined;
    this.moreWaiting = undefined;
  }
}

/**
 * rep0 and respondent0 (and their raw forms xrep/xrespondent): read the
 * backtrace off each request (TTL-checked: too many hops → dropped, no
 * terminator → pipe closed), answer on the originating pipe with it. Raw mode
 * pushes the pipe id onto the header on receive and pops it on send.
 * @internal
 */
export abstract class Replier extends ContextProtocol<ReplierCtx> {
  readonly pipes = new Map<number, Pipe>();
  protected readonly main = new ReplierCtx(this);

  protected newContext(): ReplierCtx {
    return new ReplierCtx(this);
  }

  addPipe(p: Pipe): void {
    this.checkPeer(p);
    p.data = new Outbox(p, this.raw ? RAW_PIPE_QUEUE : Infinity, false);
    this.pipes.set(p.id, p);
  }
  removePipe(p: Pipe): void {
    this.pipes.delete(p.id);
  }
  override pipeReady(p: Pipe): void {
    (p.data as Outbox).flush();
  }
  pipeMessage(p: Pipe, m: Message): void {
    const b = m.body;
    if (!this.raw && m.header.length === 0 && b.length >= 4 && b[0]! >= 0x80) {
      // A request straight from its asker (no devices on the way): the backtrace is the id
      // word alone, taken without building a word list as the general case does.
      m.header = u32be(readU32(b));
      m.body = b.subarray(4);
      this.fq.put(p, m);
      return;
    }
    const r = takeBacktrace(m, this.ttl, this.raw ? u32be(p.id) : undefined);
    if (r === "bad") p.close();
    else if (r === "ok") this.fq.put(p, m);
  }

  send(m: Message, opts: OpOptions | undefined): Promise<void> {
    if (!this.raw) return this.main.send(m, opts);
    // The first header word names the pipe; a message without one has nowhere to go.
    const copy = new Message(m.body, m.header);
    const id = m.header.length >= 4 ? shiftWord(copy) : undefined;
    if (id !== undefined) {
      const p = this.pipes.get(id);
      (p?.data as Outbox | undefined)?.push(copy.header, copy.body);
    }
    return Promise.resolve();
  }
}

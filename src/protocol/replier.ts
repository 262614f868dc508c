import { nngError } from "../core/errors.js";
import { EMPTY, Message, shiftWord, u32be } from "../core/message.js";
import type { OpOptions, Pending } from "../core/op.js";
import type { Pipe } from "../core/pipe.js";
import { ContextProtocol } from "./context-protocol.js";
import { ProtoContext } from "./protocol.js";
import { Outbox, takeBacktrace } from "./queues.js";

/** Replies wait in the pipe's queue while it is busy; raw replies beyond this are dropped. */
const RAW_PIPE_QUEUE = 64;

/**
 * The answering side's state: the backtrace and pipe of the last request
 * received, so the reply goes back on that pipe only.
 * @internal
 */
export class ReplierCtx extends ProtoContext {
  private backtrace: Uint8Array | undefined;
  private pipeId = 0;
  /** Receives waiting in the shared queue; closing the context fails them. */
  private readonly waiting = new Set<Pending<Message>>();

  constructor(private readonly owner: Replier) {
    super();
  }

  recv(opts: OpOptions | undefined): Promise<Message> {
    if (this.closed) return Promise.reject(nngError("ECLOSED"));
    this.backtrace = undefined;
    const op = this.recvOp(opts);
    this.owner.fq.get(op);
    if (!op.done) {
      this.waiting.add(op);
      const forget = () => this.waiting.delete(op);
      op.promise.then(forget, forget);
    }
    return op.promise.then((m) => {
      this.backtrace = m.header;
      this.pipeId = m.pipe;
      m.header = EMPTY;
      return m;
    });
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
    return Promise.resolve();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.backtrace = undefined;
    this.owner.contexts.delete(this);
    // Unlink our waiting receives from the shared queue, so no request is handed to a closed context.
    for (const op of [...this.waiting]) op.fail(nngError("ECLOSED"));
    this.waiting.clear();
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

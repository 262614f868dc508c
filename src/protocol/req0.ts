import { nngError } from "../core/errors.js";
import { type Message, shiftWord, u32be } from "../core/message.js";
import { RequestIds } from "../core/ids.js";
import type { OpOptions, Pending } from "../core/op.js";
import type { OptionSpec, OptionValue } from "../core/options.js";
import type { Pipe } from "../core/pipe.js";
import { headerIntoBody } from "./common.js";
import { ContextProtocol } from "./context-protocol.js";
import { PROTO } from "./ids.js";
import { ProtoContext } from "./protocol.js";
import { LoadBalancer, type Outgoing, takeBacktrace } from "./queues.js";

const REQ_OPTIONS: Record<string, OptionSpec> = {
  "req:resend-time": { type: "ms" },
  "req:resend-tick": { type: "ms" },
};

/**
 * One outstanding request: its id, the bytes (kept for resends), the pipe
 * that carried it, the resend timer, and the reply or the reader waiting for it.
 * @internal
 */
export class ReqCtx extends ProtoContext {
  resendTime = 60_000;
  private id = 0;
  private out: Outgoing | undefined;
  private pipe: Pipe | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reply: Message | undefined;
  private waiter: Pending<Message> | undefined;
  /** The pipe died with resends disabled and no reader waiting: the next recv gets ECONNRESET (nng's conn_reset). */
  private connReset = false;

  constructor(private readonly req: Req0) {
    super();
  }

  protected override get ownOptions(): Record<string, OptionSpec> {
    return REQ_OPTIONS;
  }
  protected override getOwnOpt(name: string): OptionValue | undefined {
    if (name === "req:resend-time") return this.resendTime;
    if (name === "req:resend-tick") return this.req.resendTick;
    return undefined;
  }
  protected override setOwnOpt(name: string, v: OptionValue): void {
    if (name === "req:resend-time") this.resendTime = v as number;
    if (name === "req:resend-tick") this.req.resendTick = v as number;
  }

  send(m: Message, opts: OpOptions | undefined): Promise<void> {
    if (this.closed) return Promise.reject(nngError("ECLOSED"));
    // A new request supersedes the old one: its reader gets ECANCELED, a late reply is dropped.
    // The error is built only when someone gets it: an NngError (stack and all) per request showed in profiles.
    const outOp = this.out?.op;
    const superseded = this.waiter !== undefined || (outOp !== undefined && !outOp.done);
    this.abort(superseded ? nngError("ECANCELED", "superseded by a new request") : undefined);
    const id = this.req.ids.take();
    this.id = id;
    this.req.byId.set(id, this);
    const op = this.sendOp(opts);
    const out: Outgoing = { header: u32be(id), body: m.body, op, sent: (p) => this.sent(id, p) };
    this.out = out;
    this.req.lb.send(out);
    op.promise.catch(() => {
      // A send that timed out or was cancelled abandons the request.
      if (this.out === out) this.abort(undefined);
    });
    return op.promise;
  }

  private sent(id: number, p: Pipe): void {
    if (this.id !== id) return;
    this.pipe = p;
    this.armResend();
  }

  private armResend(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.resendTime > 0) this.timer = setTimeout(() => this.resend(), this.resendTime);
  }

  /** Sends the same request (same id) again, on whichever pipe is ready next. */
  private resend(): void {
    this.timer = undefined;
    const prev = this.out;
    if (!prev || this.reply || this.closed) return;
    this.req.lb.withdraw(prev);
    const id = this.id;
    const out: Outgoing = { header: prev.header, body: prev.body, op: undefined, sent: (p) => this.sent(id, p) };
    this.out = out;
    this.pipe = undefined;
    this.req.lb.send(out);
  }

  /** The pipe that carried our request died: resend at once, or fail with ECONNRESET. */
  pipeGone(p: Pipe): void {
    if (this.pipe !== p || this.reply) return;
    this.pipe = undefined;
    if (this.resendTime > 0) {
      if (this.timer) clearTimeout(this.timer);
      this.resend();
    } else {
      const w = this.waiter;
      this.abort(undefined);
      if (w) w.reject(nngError("ECONNRESET", "the pipe carrying the request closed"));
      else this.connReset = true;
    }
  }

  gotReply(m: Message): void {
    if (this.reply) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.req.byId.delete(this.id);
    this.out = undefined;
    this.pipe = undefined;
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      this.id = 0;
      w.resolve(m);
    } else {
      this.reply = m;
    }
  }

  override requeue(m: Message): void {
    if (this.closed || this.id !== 0 || this.reply) return;
    this.reply = m;
  }

  recv(opts: OpOptions | undefined): Promise<Message> {
    if (this.closed) return Promise.reject(nngError("ECLOSED"));
    const op = this.recvOp(opts);
    if (this.reply) {
      const m = this.reply;
      this.reply = undefined;
      this.id = 0;
      op.resolve(m);
      return op.promise;
    }
    if (this.id === 0 && this.connReset) {
      this.connReset = false;
      return Promise.reject(nngError("ECONNRESET", "the pipe carrying the request closed"));
    }
    if (this.id === 0 || this.waiter) {
      return Promise.reject(nngError("ESTATE", this.waiter ? "a receive is already waiting for this request" : "no request is outstanding"));
    }
    this.waiter = op;
    // Giving up on the reply (timeout, abort) abandons the request, as nng does.
    op.onCancel = () => {
      this.waiter = undefined;
      this.abort(undefined);
    };
    op.arm();
    return op.promise;
  }

  /** Forgets the current request; a waiting reader gets `err`. */
  abort(err: ReturnType<typeof nngError> | undefined): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.out) this.req.lb.withdraw(this.out);
    const outOp = this.out?.op;
    this.out = undefined;
    if (this.id) this.req.byId.delete(this.id);
    this.id = 0;
    this.pipe = undefined;
    this.reply = undefined;
    this.connReset = false;
    const w = this.waiter;
    this.waiter = undefined;
    if (err) {
      w?.reject(err);
      outOp?.reject(err);
    }
  }

  close(): void {
    if (this.closed) return;
    this.abort(nngError("ECLOSED"));
    this.closed = true;
    this.req.contexts.delete(this);
  }
}

/**
 * req0: requests carry a 32-bit id with the high bit set; replies are matched
 * by id, unknown ones dropped. Resends every `req:resend-time` (60 s) and at
 * once when the carrying pipe dies. Raw mode (xreq) passes headers through.
 * @internal
 */
export class Req0 extends ContextProtocol<ReqCtx> {
  readonly info = PROTO.req0;
  readonly ids = new RequestIds();
  readonly byId = new Map<number, ReqCtx>();
  readonly lb = new LoadBalancer(0);
  resendTick = 1000;
  protected readonly main: ReqCtx;
  private readonly pipeSet = new Set<Pipe>();

  constructor(raw: boolean) {
    super(raw);
    this.main = new ReqCtx(this);
  }

  protected override getSendBuffer(): number {
    return this.lb.cap;
  }
  protected override setSendBuffer(n: number): void {
    this.lb.cap = n;
  }
  protected newContext(): ReqCtx {
    const c = new ReqCtx(this);
    c.resendTime = this.main.resendTime;
    return c;
  }

  addPipe(p: Pipe): void {
    this.checkPeer(p);
    this.pipeSet.add(p);
    this.lb.addPipe(p);
  }
  removePipe(p: Pipe): void {
    this.pipeSet.delete(p);
    this.lb.removePipe(p);
    if (this.raw) return;
    this.main.pipeGone(p);
    for (const c of this.contexts) c.pipeGone(p);
  }
  override pipeReady(p: Pipe): void {
    this.lb.pipeReady(p);
  }

  pipeMessage(p: Pipe, m: Message): void {
    if (this.raw) {
      if (takeBacktrace(m, Infinity) === "bad") p.close();
      else this.fq.put(p, m);
      return;
    }
    const id = shiftWord(m);
    if (id === undefined) {
      p.close();
      return;
    }
    headerIntoBody(m);
    this.byId.get(id)?.gotReply(m);
  }

  send(m: Message, opts: OpOptions | undefined): Promise<void> {
    if (!this.raw) return this.main.send(m, opts);
    const op = this.sendOp(opts);
    this.lb.send({ header: m.header, body: m.body, op });
    return op.promise;
  }
  override close(): void {
    super.close();
    this.lb.failAll(nngError("ECLOSED"));
  }
}

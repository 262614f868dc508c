import { nngError, type NngError } from "../core/errors.js";
import { type Message, shiftWord, u32be } from "../core/message.js";
import { RequestIds } from "../core/ids.js";
import { effectiveTimeout, Pending, type OpOptions } from "../core/op.js";
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

/** Refs or unrefs a Node timer; browsers' timers are numbers, with nothing to keep alive. */
function keepAlive(t: NodeJS.Timeout | undefined, on: boolean): void {
  if (typeof t !== "object" || t === null) return;
  if (on) t.ref();
  else t.unref();
}

/**
 * The send of a request: failing it abandons the request at once, with no
 * promise reaction per request to watch for that.
 * @internal
 */
class RequestSend extends Pending<void> {
  out: Outgoing | undefined;

  constructor(timeout: number, signal: AbortSignal | undefined, private readonly ctx: ReqCtx) {
    super(timeout, signal);
  }

  override reject(err: unknown): boolean {
    if (!super.reject(err)) return false;
    const out = this.out;
    this.out = undefined;
    if (out) this.ctx.sendFailed(out);
    return true;
  }
}

/** A request on its way to a pipe; told which pipe took it. */
class RequestOut implements Outgoing {
  constructor(
    readonly header: Uint8Array,
    readonly body: Uint8Array,
    public op: Pending<void> | undefined,
    private readonly ctx: ReqCtx,
    private readonly id: number,
  ) {}

  sent(p: Pipe): void {
    this.ctx.sent(this.id, p);
  }
}

/** A receive waiting for the reply: giving up on it abandons the request. */
class ReplyWait extends Pending<Message> {
  constructor(timeout: number, signal: AbortSignal | undefined, private readonly ctx: ReqCtx) {
    super(timeout, signal);
  }

  override fail(err: NngError): void {
    if (this.done) return;
    this.ctx.gaveUp(this);
    super.fail(err);
  }
}

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
  /**
   * The resend timer is lazy: answering a request only sets `resendAt` to 0 and
   * unrefs the timer, so a round trip costs no timer insert/remove. When it fires
   * it resends, re-arms for a later deadline, or lapses.
   */
  private timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (performance.now() ms). */
  private timerAt = 0;
  /** When the outstanding request is due for a resend (performance.now() ms); 0 when none is. */
  private resendAt = 0;
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
    this.req.track(id, this);
    const op = new RequestSend(effectiveTimeout(opts, this.sendTimeout), opts?.signal, this);
    const out = new RequestOut(u32be(id), m.body, op, this, id);
    this.out = out;
    op.out = out;
    this.req.lb.send(out);
    return op.promise;
  }

  /** A send that timed out, was cancelled or failed abandons its request. */
  sendFailed(out: Outgoing): void {
    if (this.out === out) this.abort(undefined);
  }

  /** Request `id` went out on `p`: the reply is due from there, the resend clock runs. */
  sent(id: number, p: Pipe): void {
    if (this.id !== id) return;
    this.pipe = p;
    this.armResend();
  }

  private armResend(): void {
    if (this.resendTime <= 0) {
      this.disarm();
      return;
    }
    const at = performance.now() + this.resendTime;
    this.resendAt = at;
    const t = this.timer;
    // An armed timer that fires no later than the new deadline is kept (it re-arms for the rest).
    if (t !== undefined && this.timerAt <= at) {
      keepAlive(t, true);
      return;
    }
    if (t !== undefined) clearTimeout(t);
    this.timerAt = at;
    this.timer = setTimeout(this.onTimer, this.resendTime);
  }

  /** No resend is due: the timer may lapse and must not keep the process alive. */
  private disarm(): void {
    this.resendAt = 0;
    keepAlive(this.timer, false);
  }

  private stopTimer(): void {
    this.resendAt = 0;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    const at = this.resendAt;
    if (at === 0) return;
    // Node's timer clock has millisecond steps: within 1 ms of the deadline counts as due.
    const left = at - performance.now();
    if (left > 1) {
      this.timerAt = at;
      this.timer = setTimeout(this.onTimer, left);
      return;
    }
    this.resendAt = 0;
    this.resend();
  };

  /** Sends the same request (same id) again, on whichever pipe is ready next. */
  private resend(): void {
    const prev = this.out;
    if (!prev || this.reply || this.closed) return;
    this.req.lb.withdraw(prev);
    const out = new RequestOut(prev.header, prev.body, undefined, this, this.id);
    this.out = out;
    this.pipe = undefined;
    this.req.lb.send(out);
  }

  /** The pipe that carried our request died: resend at once, or fail with ECONNRESET. */
  pipeGone(p: Pipe): void {
    if (this.pipe !== p || this.reply) return;
    this.pipe = undefined;
    if (this.resendTime > 0) {
      this.disarm();
      this.resend();
    } else {
      const w = this.waiter;
      this.abort(undefined);
      if (w) w.reject(nngError("ECONNRESET", "the pipe carrying the request closed"));
      else this.connReset = true;
    }
  }

  /** True while `id` is this context's request (answered or not, until its reply is taken). */
  hasRequest(id: number): boolean {
    return this.id === id && id !== 0;
  }

  gotReply(m: Message): void {
    if (this.reply) return;
    this.disarm();
    this.req.untrack(this.id, this);
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
    const timeout = effectiveTimeout(opts, this.recvTimeout);
    if (this.reply) {
      const m = this.reply;
      this.reply = undefined;
      this.id = 0;
      return Promise.resolve(m);
    }
    if (this.id === 0 && this.connReset) {
      this.connReset = false;
      return Promise.reject(nngError("ECONNRESET", "the pipe carrying the request closed"));
    }
    if (this.id === 0 || this.waiter) {
      return Promise.reject(nngError("ESTATE", this.waiter ? "a receive is already waiting for this request" : "no request is outstanding"));
    }
    const op = new ReplyWait(timeout, opts?.signal, this);
    this.waiter = op;
    op.arm();
    return op.promise;
  }

  /** Giving up on the reply (timeout, abort) abandons the request, as nng does. */
  gaveUp(op: Pending<Message>): void {
    if (this.waiter !== op) return;
    this.waiter = undefined;
    this.abort(undefined);
  }

  /** Forgets the current request; a waiting reader gets `err`. */
  abort(err: ReturnType<typeof nngError> | undefined): void {
    this.disarm();
    if (this.out) this.req.lb.withdraw(this.out);
    const outOp = this.out?.op;
    this.out = undefined;
    if (this.id) this.req.untrack(this.id, this);
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
    this.stopTimer();
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
  /** Requests of opened contexts by id; the default context's one is `main.id`, kept out of the map. */
  private readonly byId = new Map<number, ReqCtx>();
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
  /** Registers `ctx` as the owner of request `id` (a reply with that id goes to it). */
  track(id: number, ctx: ReqCtx): void {
    if (ctx !== this.main) this.byId.set(id, ctx);
  }
  untrack(id: number, ctx: ReqCtx): void {
    if (ctx !== this.main) this.byId.delete(id);
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
    const main = this.main;
    if (main.hasRequest(id)) main.gotReply(m);
    else this.byId.get(id)?.gotReply(m);
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

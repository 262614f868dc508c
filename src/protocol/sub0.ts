import { nngError } from "../core/errors.js";
import { disown } from "../core/frame-pool.js";
import type { Message } from "../core/message.js";
import { Message as Msg } from "../core/message.js";
import { type OpOptions, type Pending, WaitQueue } from "../core/op.js";
import type { OptionSpec, OptionValue } from "../core/options.js";
import type { Pipe } from "../core/pipe.js";
import { headerIntoBody } from "./common.js";
import { PROTO } from "./ids.js";
import { notSupported, ProtoContext, Protocol } from "./protocol.js";

const SUB_OPTIONS: Record<string, OptionSpec> = {
  "sub:subscribe": { type: "bytes", writeonly: true },
  "sub:unsubscribe": { type: "bytes", writeonly: true },
  "sub:prefnew": { type: "bool" },
  "recv-buffer": { type: "int", min: 1, max: 8192 },
};

function startsWith(body: Uint8Array, topic: Uint8Array): boolean {
  if (topic.length > body.length) return false;
  for (let i = 0; i < topic.length; i++) if (body[i] !== topic[i]) return false;
  return true;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && startsWith(a, b);
}

/**
 * One subscriber state: topics (byte prefixes; empty matches all, none
 * matches nothing), a queue of `recv-buffer` (128) messages that drops the
 * oldest (`sub:prefnew` true) or the newest when full.
 * @internal
 */
export class SubCtx extends ProtoContext {
  topics: Uint8Array[] = [];
  prefNew = true;
  cap = 128;
  private queue: Message[] = [];
  private readonly waiters = new WaitQueue<Pending<Message>>();

  constructor(
    private readonly owner: Sub0,
    private readonly matchAll: boolean,
  ) {
    super();
  }

  protected override get ownOptions(): Record<string, OptionSpec> {
    return SUB_OPTIONS;
  }
  protected override getOwnOpt(name: string): OptionValue | undefined {
    if (name === "sub:prefnew") return this.prefNew;
    if (name === "recv-buffer") return this.cap;
    return undefined;
  }
  protected override setOwnOpt(name: string, v: OptionValue): void {
    if (name === "sub:prefnew") this.prefNew = v as boolean;
    else if (name === "recv-buffer") {
      this.cap = v as number;
      if (this.queue.length > this.cap) this.queue.splice(0, this.queue.length - this.cap);
    } else if (name === "sub:subscribe") this.subscribe(v as Uint8Array);
    else if (name === "sub:unsubscribe") this.unsubscribe(v as Uint8Array);
  }

  subscribe(t: Uint8Array): void {
    if (!this.topics.some((x) => sameBytes(x, t))) this.topics.push(t.slice());
  }

  unsubscribe(t: Uint8Array): void {
    const i = this.topics.findIndex((x) => sameBytes(x, t));
    if (i < 0) throw nngError("ENOENT", "not subscribed to that topic");
    this.topics.splice(i, 1);
    this.queue = this.queue.filter((m) => this.matches(m.body));
  }

  matches(body: Uint8Array): boolean {
    if (this.matchAll) return true;
    for (const t of this.topics) if (startsWith(body, t)) return true;
    return false;
  }

  deliver(m: Message): void {
    if (this.closed || !this.matches(m.body)) return;
    const w = this.waiters.shift();
    if (w) {
      w.resolve(m);
      return;
    }
    if (this.queue.length < this.cap) this.queue.push(m);
    else if (this.prefNew) {
      this.queue.shift();
      this.queue.push(m);
    }
  }

  send(): Promise<void> {
    return notSupported("sub sockets cannot send");
  }

  override requeue(m: Message): void {
    if (this.closed) return;
    const w = this.waiters.shift();
    if (w) w.resolve(m);
    else this.queue.unshift(m);
  }

  recv(opts: OpOptions | undefined): Promise<Message> {
    if (this.closed) return Promise.reject(nngError("ECLOSED"));
    const op = this.recvOp(opts);
    const m = this.queue.shift();
    if (m) {
      op.resolve(m);
      return op.promise;
    }
    this.waiters.push(op);
    op.onCancel = () => this.waiters.remove(op);
    op.arm();
    return op.promise;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    for (const w of this.waiters.drain()) w.reject(nngError("ECLOSED"));
    this.owner.contexts.delete(this);
  }
}

/**
 * sub0: filters the publisher's stream by topic at the subscriber (nothing is
 * sent upstream). Every matching context gets its own copy. Raw sub filters
 * nothing.
 * @internal
 */
export class Sub0 extends Protocol {
  readonly info = PROTO.sub0;
  readonly contexts = new Set<SubCtx>();
  private readonly main: SubCtx;

  constructor(raw: boolean) {
    super(raw);
    this.main = new SubCtx(this, raw);
  }

  override optionSpec(name: string): OptionSpec | undefined {
    return this.main.optionSpec(name);
  }
  override getOpt(name: string): OptionValue | undefined {
    return this.main.getOpt(name);
  }
  override setOpt(name: string, v: OptionValue): void {
    this.main.setOpt(name, v);
  }

  addPipe(p: Pipe): void {
    this.checkPeer(p);
  }
  removePipe(): void {}
  pipeMessage(_p: Pipe, m: Message): void {
    headerIntoBody(m);
    this.main.deliver(m);
    if (this.contexts.size === 0) return;
    // One buffer for several receivers: none of them may release it.
    disown(m.body);
    for (const c of this.contexts) c.deliver(new Msg(m.body, m.header, m.pipe));
  }
  send(): Promise<void> {
    return notSupported("sub sockets cannot send");
  }
  recv(opts: OpOptions | undefined): Promise<Message> {
    return this.main.recv(opts);
  }
  override requeue(m: Message): void {
    this.main.requeue(m);
  }
  override openContext(): ProtoContext {
    if (this.raw) return super.openContext();
    const c = new SubCtx(this, false);
    c.recvTimeout = this.main.recvTimeout;
    c.sendTimeout = this.main.sendTimeout;
    c.cap = this.main.cap;
    c.prefNew = this.main.prefNew;
    this.contexts.add(c);
    return c;
  }
  close(): void {
    this.closed = true;
    this.main.close();
    for (const c of [...this.contexts]) c.close();
  }
}

import { nngError, type NngError } from "../core/errors.js";
import { type Message, shiftWord, u32be } from "../core/message.js";
import { RequestIds } from "../core/ids.js";
import { type OpOptions, type Pending, WaitQueue } from "../core/op.js";
import type { OptionSpec, OptionValue } from "../core/options.js";
import type { Pipe } from "../core/pipe.js";
import { headerIntoBody } from "./common.js";
import { ContextProtocol } from "./context-protocol.js";
import { PROTO } from "./ids.js";
import { ProtoContext } from "./protocol.js";
import { Outbox, takeBacktrace } from "./queues.js";

/** Survey copies queued per pipe (cooked 8, raw 16); more are dropped for that pipe. */
const SURVEY_PIPE_QUEUE = 8;
const RAW_SURVEY_PIPE_QUEUE = 16;
/** Responses kept per survey; extras are dropped. */
const RESPONSE_QUEUE = 128;

const SURVEY_OPTIONS: Record<string, OptionSpec> = { "surveyor:survey-time": { type: "ms" } };

/**
 * One survey: its id, deadline and the responses so far. After the deadline
 * the next receive gets ETIMEDOUT once, then ESTATE until a new survey.
 * @internal
 */
export class SurveyCtx extends ProtoContext {
  surveyTime = 1000;
  private id = 0;
  private expired = false;
  private timer: NodeJS.Timeout | undefined;
  private responses: Message[] = [];
  private readonly waiters = new WaitQueue<Pending<Message>>();

  constructor(private readonly owner: Surveyor0) {
    super();
  }

  protected override get ownOptions(): Record<string, OptionSpec> {
    return SURVEY_OPTIONS;
  }
  protected override getOwnOpt(name: string): OptionValue | undefined {
    return name === "surveyor:survey-time" ? this.surveyTime : undefined;
  }
  protected override setOwnOpt(name: string, v: OptionValue): void {
    if (name === "surveyor:survey-time") this.surveyTime = v as number;
  }

  send(m: Message, _opts: OpOptions | undefined): Promise<void> {
    if (this.closed) return Promise.reject(nngError("ECLOSED"));
    this.end(nngError("ECANCELED", "superseded by a new survey"));
    const id = this.owner.ids.take();
    this.id = id;
    this.expired = false;
    this.owner.byId.set(id, this);
    const header = u32be(id);
    for (const p of this.owner.pipes.values()) (p.data as Outbox).push(header, m.body);
    if (this.surveyTime >= 0) this.timer = setTimeout(() => this.expire(), this.surveyTime);
    return Promise.resolve();
  }

  private expire(): void {
    this.timer = undefined;
    const hadWaiters = this.waiters.size > 0;
    this.end(nngError("ETIMEDOUT", "survey expired"));
    this.expired = !hadWaiters;
  }

  /** Ends the current survey; its waiting readers get `err`. */
  private end(err: NngError): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.id) this.owner.byId.delete(this.id);
    this.id = 0;
    this.expired = false;
    this.responses = [];
    for (const w of this.waiters.drain()) w.reject(err);
  }

  override requeue(m: Message): void {
    if (this.closed) return;
    const w = this.waiters.shift();
    if (w) w.resolve(m);
    else this.responses.unshift(m);
  }

  gotResponse(m: Message): void {
    const w = this.waiters.shift();
    if (w) w.resolve(m);
    else if (this.responses.length < RESPONSE_QUEUE) this.responses.push(m);
  }

  recv(opts: OpOptions | undefined): Promise<Message> {
    if (this.closed) return Promise.reject(nngError("ECLOSED"));
    const m = this.responses.shift();
    if (m) return Promise.resolve(m);
    if (this.id === 0) {
      if (this.expired) {
        this.expired = false;
        return Promise.reject(nngError("ETIMEDOUT", "survey expired"));
      }
      return Promise.reject(nngError("ESTATE", "no survey is open"));
    }
    const op = this.recvOp(opts);
    this.waiters.push(op);
    op.onCancel = () => this.waiters.remove(op);
    op.arm();
    return op.promise;
  }

  close(): void {
    if (this.closed) return;
    this.end(nngError("ECLOSED"));
    this.closed = true;
    this.owner.contexts.delete(this);
  }
}

/**
 * surveyor0: broadcasts a survey (id with the high bit set) to every
 * respondent and collects the answers until `surveyor:survey-time` (1 s).
 * A new survey cancels the previous one. Raw mode (xsurveyor) broadcasts
 * headers as given and hands back the backtrace.
 * @internal
 */
export class Surveyor0 extends ContextProtocol<SurveyCtx> {
  readonly info = PROTO.surveyor0;
  readonly ids = new RequestIds();
  readonly byId = new Map<number, SurveyCtx>();
  readonly pipes = new Map<number, Pipe>();
  protected readonly main: SurveyCtx;

  constructor(raw: boolean) {
    super(raw);
    this.main = new SurveyCtx(this);
  }

  protected newContext(): SurveyCtx {
    const c = new SurveyCtx(this);
    c.surveyTime = this.main.surveyTime;
    return c;
  }

  addPipe(p: Pipe): void {
    this.checkPeer(p);
    p.data = new Outbox(p, this.raw ? RAW_SURVEY_PIPE_QUEUE : SURVEY_PIPE_QUEUE, false);
    this.pipes.set(p.id, p);
  }
  removePipe(p: Pipe): void {
    this.pipes.delete(p.id);
  }
  override pipeReady(p: Pipe): void {
    (p.data as Outbox).flush();
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
    this.byId.get(id)?.gotResponse(m);
  }

  send(m: Message, opts: OpOptions | undefined): Promise<void> {
    if (!this.raw) return this.main.send(m, opts);
    for (const p of this.pipes.values()) (p.data as Outbox).push(m.header, m.body);
    return Promise.resolve();
  }
}

// FairQueue: queued messages, then one held message per paused pipe, in one ring.
import { expect } from "chai";
import { Message } from "../../src/core/message.js";
import { Pending } from "../../src/core/op.js";
import type { Pipe } from "../../src/core/pipe.js";
import { FairQueue } from "../../src/protocol/queues.js";

/** A pipe that tracks pause/resume and may deliver its next message from resumeNow, as inproc does. */
class FakePipe {
  paused = false;
  next: Message[] = [];
  fq: FairQueue | undefined;
  constructor(readonly name: string) {}
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  resumeNow(): void {
    this.paused = false;
    while (!this.paused && this.next.length > 0 && this.fq) this.fq.put(this as unknown as Pipe, this.next.shift()!);
  }
  put(m: Message): void {
    this.fq!.put(this as unknown as Pipe, m);
  }
}

const msg = (s: string): Message => new Message(new TextEncoder().encode(s));
const text = (m: Message | undefined): string | undefined => (m ? new TextDecoder().decode(m.body) : undefined);

function setup(cap: number, ...names: string[]): { fq: FairQueue; pipes: FakePipe[] } {
  const fq = new FairQueue(cap);
  const pipes = names.map((n) => {
    const p = new FakePipe(n);
    p.fq = fq;
    return p;
  });
  return { fq, pipes };
}

describe("FairQueue", () => {
  it("cap 1: one queued, one held (pipe paused); taking refills from the pipe in order", () => {
    const { fq, pipes } = setup(1, "a");
    const a = pipes[0]!;
    a.put(msg("1"));
    a.put(msg("2"));
    expect(a.paused).to.equal(true);
    expect(fq.length).to.equal(2);
    a.next = [msg("3"), msg("4")];
    expect(text(fq.take())).to.equal("1");
    // 2 became queued, the pipe resumed at once and 3 is now held
    expect(a.paused).to.equal(true);
    expect(fq.length).to.equal(2);
    expect([text(fq.take()), text(fq.take()), text(fq.take()), text(fq.take())]).to.deep.equal(["2", "3", "4", undefined]);
    expect(a.paused).to.equal(false);
  });

  it("cap 0: every message is held at its pipe and handed over directly", () => {
    const { fq, pipes } = setup(0, "a", "b");
    const [a, b] = pipes as [FakePipe, FakePipe];
    a.put(msg("a1"));
    b.put(msg("b1"));
    expect(a.paused && b.paused).to.equal(true);
    expect(text(fq.take())).to.equal("a1");
    expect(a.paused).to.equal(false);
    expect(b.paused).to.equal(true);
    expect(text(fq.take())).to.equal("b1");
    expect(fq.take()).to.equal(undefined);
  });

  it("several pipes: held messages are released oldest first", () => {
    const { fq, pipes } = setup(2, "a", "b", "c");
    const [a, b, c] = pipes as [FakePipe, FakePipe, FakePipe];
    a.put(msg("a1"));
    a.put(msg("a2"));
    b.put(msg("b1")); // held
    c.put(msg("c1")); // held
    expect(text(fq.take())).to.equal("a1");
    expect(b.paused).to.equal(false);
    expect(c.paused).to.equal(true);
    expect([text(fq.take()), text(fq.take()), text(fq.take()), text(fq.take())]).to.deep.equal(["a2", "b1", "c1", undefined]);
  });

  it("a raised cap releases held messages before queueing a newer one", () => {
    const { fq, pipes } = setup(1, "a", "b");
    const [a, b] = pipes as [FakePipe, FakePipe];
    a.put(msg("a1"));
    b.put(msg("b1")); // held
    fq.cap = 3;
    a.put(msg("a2"));
    expect(b.paused).to.equal(false);
    expect(a.paused).to.equal(false);
    expect([text(fq.take()), text(fq.take()), text(fq.take())]).to.deep.equal(["a1", "b1", "a2"]);
  });

  it("a given-back message comes first; waiters get messages directly", async () => {
    const { fq, pipes } = setup(1, "a");
    const a = pipes[0]!;
    a.put(msg("1"));
    a.put(msg("2"));
    const m = fq.take()!;
    fq.unshift(m);
    expect([text(fq.take()), text(fq.take())]).to.deep.equal(["1", "2"]);
    const op = new Pending<Message>(-1, undefined);
    fq.get(op);
    a.put(msg("3"));
    expect(text(await op.promise)).to.equal("3");
    expect(fq.length).to.equal(0);
  });

  it("filter drops matching messages and resumes the pipes whose held message went; clear resumes all", () => {
    const { fq, pipes } = setup(1, "a", "b", "c");
    const [a, b, c] = pipes as [FakePipe, FakePipe, FakePipe];
    a.put(msg("keep-a"));
    b.put(msg("drop-b")); // held
    c.put(msg("keep-c")); // held
    fq.filter((m) => text(m)!.startsWith("keep"));
    expect(b.paused).to.equal(false);
    expect(c.paused).to.equal(true);
    expect(fq.length).to.equal(2);
    fq.clear();
    expect(c.paused).to.equal(false);
    expect(fq.length).to.equal(0);
  });
});

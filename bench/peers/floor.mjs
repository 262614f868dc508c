// The ceiling for inproc: two async loops in one process handing messages over through a
// bare bounded queue, one await per send and per receive, as the nanonext peer's loops do.
// No protocol, no pipes: what Node itself costs per awaited hand-over.
//   inproc <size> <ms> <warmupMs>  → the receiver's JSON line, as the other peers print it
import { Meter, print } from "./measure.mjs";

const [role, size, ms, warmup] = process.argv.slice(2);
if (role !== "inproc") {
  console.error(`floor peer: unknown role ${role}`);
  process.exit(2);
}

const DONE = Promise.resolve();
const CAP = 1024;

/** A ring of CAP messages: a full ring makes the sender wait, an empty one the receiver. */
class Channel {
  buf = new Array(CAP);
  head = 0;
  size = 0;
  reader = undefined;
  writer = undefined;
  // As nanonext's inproc: after 4096 hand-overs in one turn the next waits for a macrotask.
  turn = 0;
  resetQueued = false;

  send(m) {
    if (this.reader) {
      const r = this.reader;
      this.reader = undefined;
      r(m);
      return this.spend();
    }
    if (this.size === CAP) return new Promise((resolve) => (this.writer = () => resolve(this.send(m))));
    this.buf[(this.head + this.size++) % CAP] = m;
    return this.spend();
  }

  recv() {
    if (this.size === 0) return new Promise((resolve) => (this.reader = resolve));
    const m = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) % CAP;
    this.size--;
    if (this.writer) {
      const w = this.writer;
      this.writer = undefined;
      w();
    }
    return Promise.resolve(m);
  }

  spend() {
    if (!this.resetQueued) {
      this.resetQueued = true;
      setImmediate(() => {
        this.turn = 0;
        this.resetQueued = false;
      });
    }
    return ++this.turn <= 4096 ? DONE : new Promise((resolve) => setImmediate(resolve));
  }
}

const ch = new Channel();
const body = new Uint8Array(+size);
const meter = new Meter(+warmup);
const rx = (async () => {
  for (;;) if (meter.add((await ch.recv()).length)) return meter.result();
})();
const end = performance.now() + +ms;
for (let i = 1; ; i++) {
  await ch.send(body);
  if ((i & 255) === 0 && performance.now() >= end) break;
}
await ch.send(new Uint8Array(0));
print(await rx);

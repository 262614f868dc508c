// zeromq.js 6 peer for bench/run.mjs (roles as bench/c/nngbench.c): one await per message, as a user writes it.
import { Meter, measureRoundTrips, print, ready, stdinClosed } from "./measure.mjs";

const zmq = await import("zeromq");
const [role, ...args] = process.argv.slice(2);

async function sendFor(push, size, ms) {
  const body = Buffer.alloc(size);
  const end = performance.now() + ms;
  for (let i = 1; ; i++) {
    await push.send(body);
    if ((i & 255) === 0 && performance.now() >= end) break;
  }
  await push.send(Buffer.alloc(0));
}

async function countUntilEmpty(pull, warmupMs) {
  const meter = new Meter(warmupMs);
  for (;;) {
    const [m] = await pull.receive();
    if (meter.add(m.length)) break;
  }
  return meter.result();
}

switch (role) {
  case "pull": {
    const [url, warmup] = args;
    const pull = new zmq.Pull();
    await pull.bind(url);
    ready();
    print(await countUntilEmpty(pull, +warmup));
    pull.close();
    break;
  }
  case "push": {
    const [url, size, ms] = args;
    const push = new zmq.Push();
    push.connect(url);
    await sendFor(push, +size, +ms);
    await stdinClosed();
    push.close();
    break;
  }
  case "rep": {
    const [url] = args;
    const rep = new zmq.Reply();
    await rep.bind(url);
    ready();
    for (;;) {
      const [m] = await rep.receive();
      await rep.send(m);
    }
  }
  case "req": {
    const [url, size, ms, warmup] = args;
    const req = new zmq.Request();
    req.connect(url);
    const body = Buffer.alloc(+size);
    const roundTrip = async () => {
      await req.send(body);
      await req.receive();
    };
    print(await measureRoundTrips(roundTrip, +ms, +warmup));
    req.close();
    break;
  }
  case "inproc": {
    const [size, ms, warmup] = args;
    const url = `inproc://bench-${process.pid}`;
    const pull = new zmq.Pull();
    await pull.bind(url);
    const push = new zmq.Push();
    push.connect(url);
    const [r] = await Promise.all([countUntilEmpty(pull, +warmup), sendFor(push, +size, +ms)]);
    print(r);
    push.close();
    pull.close();
    break;
  }
  default:
    console.error(`zeromq.js peer: unknown role ${role}`);
    process.exit(2);
}

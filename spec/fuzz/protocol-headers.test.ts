/**
 * Each protocol's header parsing fed random and mutated message bodies by a
 * raw TCP peer that completed a valid SP handshake (backtraces, request and
 * survey ids, pair1 hop counts, headerless bodies), plus unframed garbage.
 * Whatever the raw peer sends, only its own pipe may close, nothing throws,
 * and afterwards a well-behaved peer on the same listener is served.
 */
import { expect } from "chai";
import fc from "fast-check";
import { type ProtocolName, type Socket, socket } from "../../src/index.js";
import { TCP_ANY } from "../helpers/addr.js";
import { until } from "../helpers/peers.js";
import { destroyAllRaw, frame, rawConnect, spHeader } from "../helpers/raw-stream.js";
import { pipes } from "../helpers/wait.js";

/** FUZZ_SCALE multiplies the runs (spec/stress/fuzz-long.mjs runs the folder with a large one). */
const RUNS = { numRuns: 12 * Number(process.env.FUZZ_SCALE ?? 1) };
const MARK = "good-peer";

/** Pieces of a random message body: the id of the request in flight, header-like words, or any word. */
type Word = "id" | number;
const word: fc.Arbitrary<Word> = fc.oneof(
  fc.constant("id" as const),
  fc.constantFrom(0, 1, 0xff, 0x100, 0x7fffffff, 0x80000000, 0xffffffff),
  fc.integer({ min: 0, max: 0xffffffff }),
);
/** A write from the raw peer: a framed body built from words and bytes, or unframed bytes. */
type Write = { framed: true; words: Word[]; tail: Uint8Array } | { framed: false; bytes: Uint8Array };
const write: fc.Arbitrary<Write> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ framed: fc.constant(true as const), words: fc.array(word, { maxLength: 10 }), tail: fc.uint8Array({ maxLength: 24 }) }) },
  { weight: 1, arbitrary: fc.record({ framed: fc.constant(false as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 24 }) }) },
);

function encode(w: Write, id: number): Buffer {
  if (!w.framed) return Buffer.from(w.bytes);
  const head = Buffer.alloc(w.words.length * 4);
  w.words.forEach((x, i) => head.writeUInt32BE(x === "id" ? id : x, i * 4));
  return frame(Buffer.concat([head, w.tail]));
}

/** Receives until the good peer's marker arrives (fuzzed messages may sit in the queue before it). */
async function recvMarker(s: Socket): Promise<void> {
  for (let i = 0; i < 500; i++) if (Buffer.from((await s.recv({ timeout: 5000 })) as Uint8Array).toString("latin1") === MARK) return;
  throw new Error("the good peer's message never arrived");
}

interface Case {
  sut: ProtocolName;
  peer: ProtocolName;
  /** The raw peer first reads one message of ours (so a request or survey is in flight). */
  asks?: boolean;
  /** One exchange with a well-behaved peer. */
  serve(sut: Socket, good: Socket): Promise<void>;
}

const CASES: Case[] = [
  {
    sut: "rep",
    peer: "req",
    async serve(sut, good) {
      await good.send(MARK);
      await recvMarker(sut);
      await sut.send("ok");
      expect(await good.recv({ mode: "string", timeout: 5000 })).to.equal("ok");
    },
  },
  {
    sut: "req",
    peer: "rep",
    asks: true,
    async serve(sut, good) {
      await sut.send(MARK);
      await recvMarker(good);
      await good.send("ok");
      expect(await sut.recv({ mode: "string", timeout: 5000 })).to.equal("ok");
    },
  },
  {
    sut: "respondent",
    peer: "surveyor",
    async serve(sut, good) {
      await good.send(MARK);
      await recvMarker(sut);
      await sut.send("ok");
      expect(await good.recv({ mode: "string", timeout: 5000 })).to.equal("ok");
    },
  },
  {
    sut: "surveyor",
    peer: "respondent",
    asks: true,
    async serve(sut, good) {
      sut.surveyTime(5000);
      await sut.send(MARK);
      await recvMarker(good);
      await good.send("ok");
      expect(await sut.recv({ mode: "string", timeout: 5000 })).to.equal("ok");
    },
  },
  ...(["pair", "pair1", "poly", "bus"] as const).map((p) => ({
    sut: p,
    peer: p === "poly" ? ("pair1" as const) : p,
    async serve(sut: Socket, good: Socket) {
      await good.send(MARK);
      await recvMarker(sut);
      await sut.send("ok");
      expect(await good.recv({ mode: "string", timeout: 5000 })).to.equal("ok");
    },
  })),
  {
    sut: "pull",
    peer: "push",
    async serve(sut, good) {
      await good.send(MARK);
      await recvMarker(sut);
    },
  },
  {
    sut: "sub",
    peer: "pub",
    async serve(sut, good) {
      await good.send(MARK);
      await recvMarker(sut);
    },
  },
  {
    sut: "push",
    peer: "pull",
    async serve(sut, good) {
      await sut.send(MARK);
      await recvMarker(good);
    },
  },
  {
    sut: "pub",
    peer: "sub",
    async serve(sut, good) {
      await sut.send(MARK);
      await recvMarker(good);
    },
  },
];

describe("fuzz: protocol headers from a raw tcp peer", function () {
  this.timeout(20_000 * Number(process.env.FUZZ_SCALE ?? 1));
  afterEach(() => destroyAllRaw());

  for (const c of CASES) {
    it(`${c.sut}: random bodies from a raw ${c.peer} close at most that pipe; a good ${c.peer} is served after`, async () => {
      const sut = await socket(c.sut, { listen: TCP_ANY, "recv-size-max": 4096 });
      const unhandled: unknown[] = [];
      const onUnhandled = (e: unknown) => unhandled.push(e);
      process.on("unhandledRejection", onUnhandled);
      try {
        if (c.sut === "sub") sut.subscribe("");
        const url = sut.listeners[0]!.url;
        const peerId = sut.info.peer;
        await fc.assert(
          fc.asyncProperty(fc.array(write, { minLength: 1, maxLength: 8 }), async (writes) => {
            const raw = await rawConnect(url);
            raw.write(spHeader(peerId));
            await raw.read(8);
            await pipes(sut, 1);
            let id = 0x80000001;
            let pending: Promise<unknown> | undefined;
            if (c.asks) {
              await sut.send("in flight");
              const m = await raw.readFrame();
              id = m.readUInt32BE(m.length - "in flight".length - 4);
              pending = sut.recv({ timeout: 2000 }).catch((e: unknown) => e);
            }
            for (const w of writes) raw.write(encode(w, id));
            // end(), not destroy(): every byte reaches the socket before the peer's FIN.
            raw.sock.end();
            await until(() => sut.pipeIds.length === 0, 5000, "the raw pipe to go");
            const good = await socket(c.peer, { dial: url, autostart: "sync" });
            try {
              if (c.peer === "sub") good.subscribe("");
              await pipes(sut, 1);
              await pipes(good, 1);
              await c.serve(sut, good);
            } finally {
              await good.close();
            }
            await pending;
            await until(() => sut.pipeIds.length === 0, 5000, "the good pipe to go");
          }),
          RUNS,
        );
      } finally {
        process.off("unhandledRejection", onUnhandled);
        await sut.close();
      }
      expect(unhandled).to.deep.equal([]);
    });
  }
});

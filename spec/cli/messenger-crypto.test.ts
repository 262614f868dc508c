import { expect } from "chai";
import nacl from "tweetnacl";
import { isNngError } from "../../src/core/errors.js";
import { deriveKey, MAX_TEXT_BYTES, SecureChannel, type ChannelStep } from "../../src/cli/messenger-crypto.js";
import { secretFromHex, secretFromText } from "../../src/cli/messenger-key.js";
import { parseMessengerArgs } from "../../src/cli/messenger-args.js";
import { printable } from "../../src/cli/messenger-console.js";

const enc = new TextEncoder();
const KEY = deriveKey(enc.encode("the right key, long enough"));
const WRONG = deriveKey(enc.encode("the wrong key, long enough"));

/** Runs both handshakes; returns the proofs each side produced. */
function handshake(d: SecureChannel, l: SecureChannel): { fromDialer: Uint8Array; fromListener: Uint8Array } {
  const fromListener = l.receive(d.hello()).reply as Uint8Array;
  const fromDialer = d.receive(l.hello()).reply as Uint8Array;
  return { fromDialer, fromListener };
}

function expectRefused(f: () => ChannelStep): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(isNngError(err, "EPEERAUTH"), String(err)).to.equal(true);
  expect((err as Error).message).to.contain("peer does not hold the key");
}

describe("messenger handshake (messenger-crypto)", () => {
  it("authenticates two holders of the same key and carries text both ways", () => {
    const d = new SecureChannel(KEY, "dialer");
    const l = new SecureChannel(KEY, "listener");
    const { fromDialer, fromListener } = handshake(d, l);
    expect(d.receive(fromListener)).to.deep.equal({ authenticated: true });
    expect(l.receive(fromDialer)).to.deep.equal({ authenticated: true });
    expect(d.authenticated && l.authenticated).to.equal(true);
    expect(l.receive(d.seal("hello ✓")).text).to.equal("hello ✓");
    expect(d.receive(l.seal("")).text).to.equal("");
    expect(d.receive(l.sealLeave())).to.deep.equal({ leave: true });
  });

  it("derives the same identity from the same secret, another from another", () => {
    expect(Buffer.from(deriveKey(enc.encode("the right key, long enough")).publicKey)).to.deep.equal(Buffer.from(KEY.publicKey));
    expect(Buffer.from(WRONG.publicKey)).to.not.deep.equal(Buffer.from(KEY.publicKey));
    expect(() => deriveKey(new Uint8Array(0))).to.throw(/empty/);
  });

  it("refuses a peer with the wrong key, on both sides", () => {
    const d = new SecureChannel(WRONG, "dialer");
    const l = new SecureChannel(KEY, "listener");
    const { fromDialer, fromListener } = handshake(d, l);
    expectRefused(() => l.receive(fromDialer));
    expectRefused(() => d.receive(fromListener));
    expect(l.authenticated || d.authenticated).to.equal(false);
  });

  it("refuses a proof replayed from an earlier session (fresh challenges)", () => {
    const d1 = new SecureChannel(KEY, "dialer");
    const l1 = new SecureChannel(KEY, "listener");
    const old = handshake(d1, l1);
    // An eavesdropper replays the old dialer's HELLO and PROOF to a new listener.
    const l2 = new SecureChannel(KEY, "listener");
    l2.receive(d1.hello());
    expectRefused(() => l2.receive(old.fromDialer));
  });

  it("refuses a tampered proof, and a box key substituted in the middle", () => {
    const d = new SecureChannel(KEY, "dialer");
    const l = new SecureChannel(KEY, "listener");
    const { fromDialer } = handshake(d, l);
    const bad = fromDialer.slice();
    bad[10] = (bad[10] as number) ^ 1;
    expectRefused(() => l.receive(bad));

    // A man in the middle swaps the dialer's ephemeral box key for his own.
    const d2 = new SecureChannel(KEY, "dialer");
    const l2 = new SecureChannel(KEY, "listener");
    const hello = d2.hello();
    hello.set(nacl.box.keyPair().publicKey, 34);
    const proofFromListener = l2.receive(hello).reply as Uint8Array;
    const proofFromDialer = d2.receive(l2.hello()).reply as Uint8Array;
    expectRefused(() => l2.receive(proofFromDialer));
    expectRefused(() => d2.receive(proofFromListener));
  });

  it("refuses a reflected HELLO and a reflected proof", () => {
    const l = new SecureChannel(KEY, "listener");
    expectRefused(() => l.receive(l.hello()));
    // A proof sent back to its signer: the role in it is the wrong one.
    const l2 = new SecureChannel(KEY, "listener");
    const own = l2.receive(new SecureChannel(KEY, "dialer").hello()).reply as Uint8Array;
    expectRefused(() => l2.receive(own));
    // Two listeners relayed to each other: neither proof has the dialer role.
    const a = new SecureChannel(KEY, "listener");
    const b = new SecureChannel(KEY, "listener");
    const proofB = b.receive(a.hello()).reply as Uint8Array;
    const proofA = a.receive(b.hello()).reply as Uint8Array;
    expectRefused(() => a.receive(proofB));
    expectRefused(() => b.receive(proofA));
  });

  it("refuses malformed and out-of-order handshake frames", () => {
    const fresh = () => new SecureChannel(KEY, "listener");
    expectRefused(() => fresh().receive(enc.encode("hello from nngcat")));
    expectRefused(() => fresh().receive(new Uint8Array(0)));
    expectRefused(() => fresh().receive(new SecureChannel(KEY, "dialer").hello().subarray(0, 40)));
    const v2 = new SecureChannel(KEY, "dialer").hello();
    v2[1] = 2;
    expectRefused(() => fresh().receive(v2));
    // PROOF before HELLO.
    expectRefused(() => fresh().receive(new Uint8Array(65).fill(2)));
    // A second HELLO.
    const l = fresh();
    l.receive(new SecureChannel(KEY, "dialer").hello());
    expectRefused(() => l.receive(new SecureChannel(KEY, "dialer").hello()));
  });

  it("ignores (never shows) a data frame that arrives before the handshake ends", () => {
    const d = new SecureChannel(KEY, "dialer");
    const l = new SecureChannel(KEY, "listener");
    const { fromDialer, fromListener } = handshake(d, l);
    d.receive(fromListener);
    l.receive(fromDialer);
    const stray = d.seal("for the previous peer");
    const next = new SecureChannel(KEY, "listener");
    expect(next.receive(stray)).to.deep.equal({ dropped: "message from before authentication" });
    expect(next.authenticated).to.equal(false);
  });

  it("drops tampered, replayed and reflected data frames", () => {
    const d = new SecureChannel(KEY, "dialer");
    const l = new SecureChannel(KEY, "listener");
    const { fromDialer, fromListener } = handshake(d, l);
    d.receive(fromListener);
    l.receive(fromDialer);

    const frame = d.seal("secret");
    const tampered = frame.slice();
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 0x80;
    expect(l.receive(tampered)).to.deep.equal({ dropped: "message failed to decrypt" });
    expect(l.receive(frame).text).to.equal("secret");
    expect(l.receive(frame)).to.deep.equal({ dropped: "replayed message" });
    // Our own frame sent back to us does not open: the nonce carries the sender's role.
    l.seal("first");
    const mine = l.seal("second"); // counter 2, above what l has received
    expect(l.receive(mine)).to.deep.equal({ dropped: "message failed to decrypt" });
    expect(l.receive(new Uint8Array([3, 1, 2])).dropped).to.equal("malformed message");
    expect(l.receive(fromDialer).dropped).to.be.a("string");
  });

  it("encrypts: the text is not in the frame, and another session cannot open it", () => {
    const d = new SecureChannel(KEY, "dialer");
    const l = new SecureChannel(KEY, "listener");
    const { fromDialer, fromListener } = handshake(d, l);
    d.receive(fromListener);
    l.receive(fromDialer);
    const frame = d.seal("plain words here");
    expect(Buffer.from(frame).includes(Buffer.from("plain words here"))).to.equal(false);

    const d2 = new SecureChannel(KEY, "dialer");
    const l2 = new SecureChannel(KEY, "listener");
    const h2 = handshake(d2, l2);
    d2.receive(h2.fromListener);
    l2.receive(h2.fromDialer);
    expect(l2.receive(frame).dropped).to.equal("message failed to decrypt");
  });

  it("refuses to seal before authentication, and over-long lines", () => {
    const d = new SecureChannel(KEY, "dialer");
    expect(() => d.seal("x")).to.throw(/not authenticated/);
    const l = new SecureChannel(KEY, "listener");
    const { fromDialer, fromListener } = handshake(d, l);
    d.receive(fromListener);
    l.receive(fromDialer);
    expect(() => d.seal("x".repeat(MAX_TEXT_BYTES + 1))).to.throw(/at most/);
    expect(l.receive(d.seal("x".repeat(MAX_TEXT_BYTES))).text).to.have.length(MAX_TEXT_BYTES);
  });
});

describe("messenger keys, arguments and output", () => {
  it("reads the same secret from a hex key text, a key file text and --key-hex", () => {
    const hex = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    expect(Buffer.from(secretFromText(` ${hex}\n`))).to.deep.equal(Buffer.from(hex, "hex"));
    expect(Buffer.from(secretFromHex(hex.toUpperCase()))).to.deep.equal(Buffer.from(hex, "hex"));
    expect(Buffer.from(secretFromText("a passphrase"))).to.deep.equal(Buffer.from("a passphrase"));
    expect(() => secretFromText("  \n")).to.throw(/empty/);
    expect(() => secretFromHex("abc")).to.throw(/hex digits/);
    expect(() => secretFromHex("00112233")).to.throw(/at least 32/);
  });

  it("parses the command line", () => {
    expect(parseMessengerArgs(["--key", "k", "tcp://127.0.0.1:5555"])).to.deep.equal({ kind: "chat", url: "tcp://127.0.0.1:5555", keyFile: "k", keyHex: undefined });
    expect(parseMessengerArgs(["ipc:///tmp/x", "--key-hex=00"])).to.deep.include({ url: "ipc:///tmp/x", keyHex: "00" });
    expect(parseMessengerArgs(["keygen", "f"])).to.deep.equal({ kind: "keygen", file: "f" });
    expect(parseMessengerArgs(["keygen"])).to.deep.equal({ kind: "keygen", file: undefined });
    expect(parseMessengerArgs(["-h"])).to.deep.equal({ kind: "help" });
    expect(() => parseMessengerArgs([])).to.throw(/url is required/);
    expect(() => parseMessengerArgs(["--key"])).to.throw(/needs a value/);
    expect(() => parseMessengerArgs(["--bogus", "u"])).to.throw(/unknown option --bogus/);
    expect(() => parseMessengerArgs(["u", "v"])).to.throw(/unexpected argument v/);
    expect(() => parseMessengerArgs(["--key", "k", "--key-hex", "00", "u"])).to.throw(/not both/);
  });

  it("never prints a peer's control characters", () => {
    expect(printable("hi\x1b[2J\x07 there\tok\u2028")).to.equal("hi\ufffd[2J\ufffd there\tok\ufffd");
  });
});

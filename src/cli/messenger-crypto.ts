/**
 * The messenger's authenticated, encrypted channel: pure functions of bytes
 * (no sockets, no I/O), so every rule can be unit-tested.
 *
 * Protocol "nanonext-messenger/1", one SP message per frame over pair0; the
 * first byte of a frame is its type:
 *
 * 1. Key. Both peers hold the same secret (a key file or passphrase). Each
 *    derives the same Ed25519 signing key pair from it:
 *    `nacl.sign.keyPair.fromSeed(sha512("nanonext-messenger/1 key\0" ‖ secret)[0..32])`.
 *    The public half is the identity both expect; neither key is ever sent.
 * 2. HELLO, sent by each side as soon as the pipe is up:
 *    `0x01 ‖ version 0x01 ‖ challenge (32 fresh random bytes) ‖ ephemeral nacl.box public key (32)`.
 *    The ephemeral box key pair is new for every connection.
 * 3. PROOF, sent once the peer's HELLO has arrived: `0x02 ‖ signature (64)`,
 *    a detached signature over the transcript
 *    `"nanonext-messenger/1 proof" ‖ signer role ("D" dialer / "L" listener)
 *    ‖ dialer challenge ‖ listener challenge ‖ dialer box key ‖ listener box key`.
 *    The verifier rebuilds the transcript with the *peer's* role, so a fresh
 *    challenge defeats replay, the role defeats reflection, and the box keys
 *    bind the session keys to the key holder (no key substitution in the
 *    middle). A peer whose challenge or box key equals ours is refused.
 * 4. DATA after both proofs: `0x03 ‖ counter (8, big-endian) ‖ nacl.box ciphertext`
 *    under the ephemeral keys, with nonce `sender role ‖ 15 zero bytes ‖ counter`.
 *    Counters start at 1 and must strictly increase per direction, so a
 *    replayed, reflected or tampered frame fails to open and is dropped.
 *    Plaintext: `0x00 ‖ UTF-8 text` (a chat line) or `0x01` (leaving).
 *
 * Anything else during the handshake — a malformed frame, a bad signature, a
 * PROOF before HELLO — is an authentication failure (EPEERAUTH): the peer is
 * dropped and nothing it sent is shown. DATA frames arriving before the
 * handshake ends are ignored (a message queued for a previous peer may reach
 * a new one first).
 */
import nacl from "tweetnacl";
import { nngError } from "../core/errors.js";

const utf8 = new TextEncoder();
const LABEL_KEY = utf8.encode("nanonext-messenger/1 key\0");
const LABEL_PROOF = utf8.encode("nanonext-messenger/1 proof");

/** Frame types (first byte of every frame). */
const HELLO = 0x01;
const PROOF = 0x02;
const DATA = 0x03;
const VERSION = 0x01;
const HELLO_LEN = 2 + 32 + 32;
const PROOF_LEN = 1 + 64;
const DATA_HEAD = 1 + 8;
const KIND_TEXT = 0x00;
const KIND_LEAVE = 0x01;

/**
 * Longest chat line, in UTF-8 bytes.
 * @example
 * ```ts
 * channel.seal("x".repeat(MAX_TEXT_BYTES + 1)); // throws EMSGSIZE
 * ```
 */
export const MAX_TEXT_BYTES = 65536;

/**
 * Which end of the connection we are: the signer's role goes into every proof and nonce.
 * @example
 * ```ts
 * const role: ChannelRole = listened ? "listener" : "dialer";
 * ```
 */
export type ChannelRole = "dialer" | "listener";

/**
 * The signing identity derived from a shared secret.
 *
 * @example
 * ```ts
 * const key = deriveKey(new TextEncoder().encode("correct horse battery staple"));
 * key.publicKey.length; // 32
 * ```
 */
export interface MessengerKey {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/**
 * Derives the Ed25519 signing key pair both peers share from the secret bytes.
 *
 * @throws {@link NngError} EINVAL for an empty secret
 * @example
 * ```ts
 * const a = deriveKey(secret), b = deriveKey(secret);
 * nacl.verify(a.publicKey, b.publicKey); // true
 * ```
 */
export function deriveKey(secret: Uint8Array): MessengerKey {
  if (!(secret instanceof Uint8Array) || secret.length === 0) throw nngError("EINVAL", "the messenger key is empty");
  const seed = nacl.hash(concat(LABEL_KEY, secret)).subarray(0, 32);
  const kp = nacl.sign.keyPair.fromSeed(seed);
  return { publicKey: kp.publicKey, secretKey: kp.secretKey };
}

/**
 * What one incoming frame meant: `reply` is a frame to send back, `authenticated`
 * marks the end of the handshake, `text`/`leave` are the peer's messages,
 * `dropped` names why a frame was discarded (never shown as text).
 * @example
 * ```ts
 * const step: ChannelStep = channel.receive(frame);
 * if (step.reply) await sock.send(step.reply);
 * if (step.text !== undefined) console.log(step.text);
 * ```
 */
export interface ChannelStep {
  reply?: Uint8Array;
  authenticated?: true;
  text?: string;
  leave?: true;
  dropped?: string;
}

/**
 * One side of one connection: handshake state, then sealing and opening.
 * Throws EPEERAUTH from {@link SecureChannel.receive} when the peer cannot prove the key.
 *
 * @example
 * ```ts
 * const d = new SecureChannel(key, "dialer"), l = new SecureChannel(key, "listener");
 * const pd = l.receive(d.hello()).reply!, pl = d.receive(l.hello()).reply!;
 * d.receive(pd); l.receive(pl);                 // both { authenticated: true }
 * l.receive(d.seal("hi")).text;                 // "hi"
 * ```
 */
export class SecureChannel {
  private readonly challenge = nacl.randomBytes(32);
  private readonly ephemeral = nacl.box.keyPair();
  private peerChallenge: Uint8Array | undefined;
  private peerBoxKey: Uint8Array | undefined;
  private shared: Uint8Array | undefined;
  private sent = 0n;
  private received = 0n;

  /**
   * @param key from {@link deriveKey}
   * @param role our end of this connection (the dialer or the listener)
   */
  constructor(
    private readonly key: MessengerKey,
    readonly role: ChannelRole,
  ) {}

  /** True once the peer's proof verified: DATA may flow both ways. */
  get authenticated(): boolean {
    return this.shared !== undefined;
  }

  /** Our HELLO frame, to send as soon as the connection is up. */
  hello(): Uint8Array {
    const f = new Uint8Array(HELLO_LEN);
    f[0] = HELLO;
    f[1] = VERSION;
    f.set(this.challenge, 2);
    f.set(this.ephemeral.publicKey, 34);
    return f;
  }

  /**
   * Handles one frame from the peer.
   * @throws {@link NngError} EPEERAUTH when the handshake fails (drop the peer)
   */
  receive(frame: Uint8Array): ChannelStep {
    const type = frame[0];
    if (this.shared) {
      if (type === DATA) return this.open(frame);
      return { dropped: "unexpected frame after authentication" };
    }
    if (type === HELLO && !this.peerChallenge) return { reply: this.onHello(frame) };
    if (type === PROOF && this.peerChallenge) return this.onProof(frame);
    if (type === DATA && frame.length >= DATA_HEAD + nacl.box.overheadLength + 1) return { dropped: "message from before authentication" };
    throw refused();
  }

  /**
   * Seals one chat line as a DATA frame.
   * @throws {@link NngError} ESTATE before authentication, EMSGSIZE for a line over {@link MAX_TEXT_BYTES}
   */
  seal(text: string): Uint8Array {
    const body = utf8.encode(text);
    if (body.length > MAX_TEXT_BYTES) throw nngError("EMSGSIZE", `a line holds at most ${MAX_TEXT_BYTES} bytes`);
    return this.sealPlain(concat(Uint8Array.of(KIND_TEXT), body));
  }

  /**
   * Seals the leave notice sent before quitting.
   * @throws {@link NngError} ESTATE before authentication
   */
  sealLeave(): Uint8Array {
    return this.sealPlain(Uint8Array.of(KIND_LEAVE));
  }

  private onHello(frame: Uint8Array): Uint8Array {
    if (frame.length !== HELLO_LEN || frame[1] !== VERSION) throw refused();
    const challenge = frame.slice(2, 34);
    const boxKey = frame.slice(34, 66);
    // A peer echoing our own HELLO is a reflection, never a second key holder.
    if (nacl.verify(challenge, this.challenge) || nacl.verify(boxKey, this.ephemeral.publicKey)) throw refused();
    this.peerChallenge = challenge;
    this.peerBoxKey = boxKey;
    const sig = nacl.sign.detached(this.transcript(this.role), this.key.secretKey);
    return concat(Uint8Array.of(PROOF), sig);
  }

  private onProof(frame: Uint8Array): ChannelStep {
    if (frame.length !== PROOF_LEN) throw refused();
    const peerRole: ChannelRole = this.role === "dialer" ? "listener" : "dialer";
    if (!nacl.sign.detached.verify(this.transcript(peerRole), frame.subarray(1), this.key.publicKey)) throw refused();
    this.shared = nacl.box.before(this.peerBoxKey as Uint8Array, this.ephemeral.secretKey);
    return { authenticated: true };
  }

  /** The signed transcript, laid out by role (not by who is speaking) so both sides build the same bytes. */
  private transcript(signer: ChannelRole): Uint8Array {
    const peerC = this.peerChallenge as Uint8Array;
    const peerK = this.peerBoxKey as Uint8Array;
    const dialer = this.role === "dialer";
    return concat(
      LABEL_PROOF,
      Uint8Array.of(roleByte(signer)),
      dialer ? this.challenge : peerC,
      dialer ? peerC : this.challenge,
      dialer ? this.ephemeral.publicKey : peerK,
      dialer ? peerK : this.ephemeral.publicKey,
    );
  }

  private sealPlain(plain: Uint8Array): Uint8Array {
    if (!this.shared) throw nngError("ESTATE", "the peer is not authenticated");
    this.sent += 1n;
    const head = new Uint8Array(DATA_HEAD);
    head[0] = DATA;
    new DataView(head.buffer).setBigUint64(1, this.sent);
    return concat(head, nacl.box.after(plain, nonceFor(this.role, this.sent), this.shared));
  }

  private open(frame: Uint8Array): ChannelStep {
    const shared = this.shared as Uint8Array;
    if (frame.length < DATA_HEAD + nacl.box.overheadLength + 1) return { dropped: "malformed message" };
    const counter = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getBigUint64(1);
    if (counter <= this.received) return { dropped: "replayed message" };
    const peerRole: ChannelRole = this.role === "dialer" ? "listener" : "dialer";
    const plain = nacl.box.open.after(frame.subarray(DATA_HEAD), nonceFor(peerRole, counter), shared);
    if (!plain || plain.length === 0) return { dropped: "message failed to decrypt" };
    this.received = counter;
    if (plain[0] === KIND_LEAVE && plain.length === 1) return { leave: true };
    if (plain[0] !== KIND_TEXT) return { dropped: "unknown message kind" };
    const text = new TextDecoder("utf-8", { fatal: false }).decode(plain.subarray(1));
    return { text };
  }
}

function roleByte(role: ChannelRole): number {
  return role === "dialer" ? 0x44 : 0x4c; // "D" / "L"
}

function nonceFor(role: ChannelRole, counter: bigint): Uint8Array {
  const n = new Uint8Array(nacl.box.nonceLength);
  n[0] = roleByte(role);
  new DataView(n.buffer).setBigUint64(16, counter);
  return n;
}

function refused() {
  return nngError("EPEERAUTH", "peer does not hold the key");
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

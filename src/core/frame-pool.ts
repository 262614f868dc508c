import { Message } from "./message.js";

/** Frames from this size on get their own buffer that {@link release} can take back. */
const POOL_MIN = 32 * 1024;
/** Released memory kept for reuse, at most (beyond it, released buffers are left to the GC). */
const POOL_MAX_BYTES = 32 * 1024 * 1024;
/** Once anything was released, big frames are sized up to a multiple of this, so near sizes share buffers. */
const POOL_STEP = 4 * 1024;

/** On a frame buffer's ArrayBuffer: true while it is out with a message and may be released. */
const OWNED = Symbol("nanonext.frame");
type Owned = ArrayBufferLike & { [OWNED]?: boolean };

/** Released memory by size, each list used last-in first-out (the warmest memory first). */
const free = new Map<number, ArrayBuffer[]>();
let freeBytes = 0;
let pooling = false;
/**
 * Whether any buffer was ever marked releasable: until then no sent bytes can
 * be releasable memory, so {@link disown} costs sends nothing (a process that
 * never received a big frame over tcp, ipc or ws never pays for it).
 */
let owning = false;

/**
 * A buffer for a received frame of `n` bytes, for transports to fill. Frames
 * of 32 KiB and more come from released memory when there is some, else from
 * `fresh`, and are marked so that {@link release} can take them back. `view`
 * makes the transport's kind of array (Buffer or plain Uint8Array) over
 * reused memory, so a transport's messages are of one kind whatever the pool holds.
 * @internal
 */
export function allocFrame(n: number, fresh: (n: number) => Uint8Array, view: (ab: ArrayBuffer, n: number) => Uint8Array): Uint8Array {
  if (n < POOL_MIN) return fresh(n);
  if (!pooling) {
    const b = fresh(n);
    own(b.buffer as Owned, b.byteOffset === 0 && b.buffer.byteLength === n);
    return b;
  }
  const size = Math.ceil(n / POOL_STEP) * POOL_STEP;
  let ab = takeFree(size);
  if (ab === undefined) {
    // From 32 KiB on, Node allocates each buffer on its own: its ArrayBuffer is all of it.
    const b = fresh(size);
    ab = b.buffer as ArrayBuffer;
    if (b.byteOffset !== 0 || ab.byteLength !== size) return b.subarray(0, n);
  }
  own(ab, true);
  // A new view each time: whoever held the released one keeps a different object.
  return view(ab, n);
}

/** Released memory of `size` bytes, the last released first. */
function takeFree(size: number): ArrayBuffer | undefined {
  const list = free.get(size);
  while (list !== undefined && list.length > 0) {
    const ab = list.pop()!;
    freeBytes -= size;
    // Transferred away after its release (postMessage, structuredClone): detached, of no use.
    if (ab.byteLength === size) return ab;
  }
  return undefined;
}

function own(ab: Owned, whole: boolean): void {
  // Only a whole allocation: a slice of a shared one would hand back memory others use.
  if (!whole) return;
  ab[OWNED] = true;
  owning = true;
}

/**
 * Gives the memory of a received message back to nanonext, to be reused by a
 * later receive of a big message (32 KiB and more) on any socket: the
 * counterpart of `nng_msg_free`. Received messages are otherwise left to the
 * garbage collector, which for big ones means fresh memory from the system
 * for every message; a loop that releases what it is done with reads into
 * warm memory instead (about twice as fast at 64 KiB – 1 MiB). Receives in
 * the `string`, `json` and typed-array modes decode into new memory and
 * release the received bytes themselves.
 *
 * Only release what you will not touch again, and what nothing else still
 * reads (a file or HTTP write in progress): after the call the bytes of
 * `msg` (its body and header, and every view of the same memory) may be
 * overwritten at any time. Releasing is ignored (returns false) for memory
 * nanonext did not allocate (small messages, messages passed through
 * inproc, your own buffers), for a message sent since it was received on a
 * socket or stream (it may still be queued or being written; any view of
 * it counts), for one delivered to several sub contexts, for memory
 * transferred away (detached), and the second time.
 *
 * @param msg a received message: the bytes a raw-mode receive returned (or a
 *   typed array over them), or a {@link Message}.
 * @returns whether the memory was taken back.
 * @example
 * ```ts
 * for (;;) {
 *   const m = await pull.recv();
 *   await handle(m);   // done with m
 *   release(m);
 * }
 * ```
 */
export function release(msg: ArrayBufferView | Message): boolean {
  const view = msg instanceof Message ? msg.body : msg;
  if (!ArrayBuffer.isView(view)) return false;
  const ab = view.buffer as Owned;
  if (ab[OWNED] !== true) return false;
  ab[OWNED] = false;
  const size = ab.byteLength;
  // Detached (transferred to a worker, say): the memory is gone from here.
  if (size === 0) return false;
  pooling = true;
  if (size % POOL_STEP !== 0 || freeBytes + size > POOL_MAX_BYTES) return true;
  let list = free.get(size);
  if (list === undefined) free.set(size, (list = []));
  list.push(ab as ArrayBuffer);
  freeBytes += size;
  return true;
}

/**
 * Makes the memory of `bytes` unreleasable: a message being sent may still be
 * queued or written (or, over inproc, read by several receivers) after the
 * send resolves, so {@link release} must not hand it to a later receive.
 * @internal
 */
export function disown(bytes: Uint8Array): void {
  if (!owning) return;
  const ab = bytes.buffer as Owned;
  if (ab[OWNED] === true) ab[OWNED] = false;
}

/** Test hook: drops the released memory and returns how many bytes it held. @internal */
export function resetFramePool(): number {
  const had = freeBytes;
  free.clear();
  freeBytes = 0;
  pooling = false;
  // `owning` stays: buffers marked earlier may still be out.
  return had;
}

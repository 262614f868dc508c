/**
 * Id allocators. Pipe ids are process-wide 31-bit values starting at a random
 * point (as nng does), so the high bit tells them apart from request ids in a
 * backtrace. Request/survey ids always have the high bit set.
 * @internal
 */
let nextPipe = 1 + Math.floor(Math.random() * 0x7ffffffe);

export function nextPipeId(): number {
  const id = nextPipe;
  nextPipe = nextPipe >= 0x7fffffff ? 1 : nextPipe + 1;
  return id;
}

/** Counter for request and survey ids in [0x80000000, 0xffffffff]. @internal */
export class RequestIds {
  private next = (0x80000000 + Math.floor(Math.random() * 0x7fffffff)) >>> 0;
  take(): number {
    const id = this.next;
    this.next = this.next >= 0xffffffff ? 0x80000000 : this.next + 1;
    return id;
  }
}

let nextSocket = 1;
/** Socket ids count from 1, as in nng; the default socket-name is this id. @internal */
export function nextSocketId(): number {
  return nextSocket++;
}

let nextEndpoint = 1;
/** Dialer and listener ids. @internal */
export function nextEndpointId(): number {
  return nextEndpoint++;
}

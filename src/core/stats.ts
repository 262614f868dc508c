/**
 * Counters behind `stat()`, named as nng's statistics.
 * @internal
 */
export interface TrafficCounters {
  rxMsgs: number;
  rxBytes: number;
  txMsgs: number;
  txBytes: number;
}

/** @internal */
export function newTraffic(): TrafficCounters {
  return { rxMsgs: 0, rxBytes: 0, txMsgs: 0, txBytes: 0 };
}

/** Connection outcomes of a dialer or listener. @internal */
export interface EndpointCounters {
  /** Pipes made (dialer "connect", listener "accept"). */
  made: number;
  /** Pipes the protocol refused (wrong peer, pair busy). */
  reject: number;
  /** Connections refused by the peer (dialer). */
  refused: number;
  /** Handshake or connect time-outs. */
  timedout: number;
  /** Handshake failures (bad SP header). */
  proto: number;
  /** Other connect/accept errors. */
  other: number;
  /** Established pipes that closed. */
  disconnect: number;
}

/** @internal */
export function newEndpointCounters(): EndpointCounters {
  return { made: 0, reject: 0, refused: 0, timedout: 0, proto: 0, other: 0, disconnect: 0 };
}

/** Counts one failed connection attempt by its nng error code. @internal */
export function countFailure(c: EndpointCounters, code: string | undefined): void {
  if (code === "ECONNREFUSED") c.refused++;
  else if (code === "ETIMEDOUT") c.timedout++;
  else if (code === "EPROTO") c.proto++;
  else if (code !== "ECLOSED") c.other++;
}

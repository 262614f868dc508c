import type { ProtocolInfo } from "./protocol.js";

function info(self: number, selfName: string, peer: number, peerName: string): ProtocolInfo {
  return Object.freeze({ self, selfName, peer, peerName });
}

/** Protocol ids and names as on the wire (`protocol * 16 + role`). @internal */
export const PROTO = {
  pair0: info(0x10, "pair", 0x10, "pair"),
  pair1: info(0x11, "pair1", 0x11, "pair1"),
  pub0: info(0x20, "pub", 0x21, "sub"),
  sub0: info(0x21, "sub", 0x20, "pub"),
  req0: info(0x30, "req", 0x31, "rep"),
  rep0: info(0x31, "rep", 0x30, "req"),
  push0: info(0x50, "push", 0x51, "pull"),
  pull0: info(0x51, "pull", 0x50, "push"),
  surveyor0: info(0x62, "surveyor", 0x63, "respondent"),
  respondent0: info(0x63, "respondent", 0x62, "surveyor"),
  bus0: info(0x70, "bus", 0x70, "bus"),
} as const;

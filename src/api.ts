// The exports both entries share (src/index.ts for Node, src/browser.ts for
// browsers); each entry re-exports this module and adds its own. Not an entry
// point itself: typedoc documents these names under the entry that re-exports them.
export { NngError, isNngError, strerror, NNG_ERRNO, type NngErrorCode } from "./core/errors.js";
export { Message } from "./core/message.js";
export { release } from "./core/frame-pool.js";
export type { OpOptions } from "./core/op.js";
export type { OptionType, OptionValue } from "./core/options.js";
export type { PipeInfo } from "./core/pipe.js";
export { Dialer, type EndpointState } from "./core/dialer.js";
export { Listener } from "./core/listener.js";
export {
  Socket,
  Context,
  type SendOptions,
  type RecvOptions,
  type RecvResult,
  type TypedArrayOf,
  type DialOptions,
  type ListenOptions,
  type SocketEvents,
} from "./core/socket.js";
export type { ProtocolInfo } from "./protocol/protocol.js";
export { PROTOCOL_NAMES, type ProtocolName } from "./protocol/registry.js";
export { serialConfig, type ClassOf, type SendMode, type RecvMode, type TypedMode, type SerialConfig, type SerialExtension } from "./serial/modes.js";
export {
  socket,
  nano,
  send,
  recv,
  dial,
  listen,
  context,
  close,
  opt,
  setOpt,
  subscribe,
  unsubscribe,
  surveyTime,
  stat,
  type SocketOptions,
  type Connection,
} from "./functional.js";
export { Nano } from "./nano.js";
export type { TlsAuthMode } from "./tls/tls-config.js";
export {
  Aio,
  UNRESOLVED,
  unresolved,
  recvAio,
  sendAio,
  callAio,
  collectAio,
  raceAio,
  stopAio,
  isAio,
  type Unresolved,
  type AioTarget,
  type AioGroup,
  type RecvAioOptions,
  type SendAioOptions,
} from "./aio/aio.js";
export { ConditionVariable, cv } from "./aio/cv.js";
export { request, reply, isNulByte, NUL_BYTE, type RequestOptions, type ReplyOptions } from "./aio/rpc.js";
export { device, deviceAio } from "./aio/device.js";
export { pipeNotify, type PipeNotifyOptions } from "./aio/notify.js";
export { statusCode } from "./http/status.js";

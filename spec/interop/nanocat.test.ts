// Our sockets against nanomsg 1.1.5's nanocat: every protocol pairing nanomsg has
// (no pair1), over tcp and ipc, with either side listening. The matrix lives in matrix.ts.
import { interopSuite, NANOCAT } from "./matrix.js";

interopSuite(NANOCAT);

// Our sockets against libnng 1.5.2's nngcat: every protocol pairing (incl. pair1),
// over tcp and ipc, with either side listening. The matrix lives in matrix.ts.
import { interopSuite, NNGCAT } from "./matrix.js";

interopSuite(NNGCAT);

import { PROTO } from "./ids.js";
import { Replier } from "./replier.js";

/** rep0: answers req0; see {@link Replier}. @internal */
export class Rep0 extends Replier {
  readonly info = PROTO.rep0;
}

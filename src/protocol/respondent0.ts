import { PROTO } from "./ids.js";
import { Replier } from "./replier.js";

/** respondent0: answers surveyor0 exactly as rep0 answers req0. @internal */
export class Respondent0 extends Replier {
  readonly info = PROTO.respondent0;
}

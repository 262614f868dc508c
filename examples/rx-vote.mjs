// A vote with survey$: ask every respondent, collect the answers until the deadline.
import { socket } from "nanonext";
import { survey$ } from "nanonext/rx";
import { countBy } from "./lib/count.mjs";
import { lastValueFrom, toArray } from "rxjs";

const surveyor = await socket("surveyor", { listen: "tcp://127.0.0.1:0" });
const url = surveyor.listeners[0].url;
const choices = ["tea", "coffee", "tea", "water", "tea"];
const voters = await Promise.all(
  choices.map(async (choice) => {
    const s = await socket("respondent", { dial: url, "reconnect-time-min": 50 });
    void (async () => {
      for await (const q of s.messages({ mode: "string" })) await s.send(choice);
    })();
    return s;
  }),
);
while (surveyor.pipeIds.length < voters.length) await new Promise((r) => surveyor.once("pipe:add", r));

const votes = await lastValueFrom(survey$(surveyor, "what shall we drink?", { timeout: 500, recvMode: "string" }).pipe(toArray()));
console.log(`${votes.length} votes:`, countBy(votes));
for (const v of voters) await v.close();
await surveyor.close();

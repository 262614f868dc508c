// Surveyor/respondent: ask three respondents a question and collect the votes until the deadline.
import { socket, isNngError } from "nanonext";

const surveyor = await socket("surveyor", { listen: "tcp://127.0.0.1:0", "surveyor:survey-time": 500 });
const url = surveyor.listeners[0].url;
const voters = await Promise.all(["red", "green", "red"].map(async (colour) => {
  const s = await socket("respondent", { dial: url, "reconnect-time-min": 50 });
  (async () => {
    for await (const q of s.messages({ mode: "string" })) await s.send(`${colour} (asked: ${q})`);
  })();
  return s;
}));
while (surveyor.pipeIds.length < 3) await new Promise((r) => surveyor.once("pipe:add", r));

await surveyor.send("favourite colour?");
const votes = [];
for (;;) {
  try {
    votes.push(await surveyor.recv({ mode: "string" }));
  } catch (err) {
    if (isNngError(err, "ETIMEDOUT")) break; // the survey deadline
    throw err;
  }
}
console.log(`${votes.length} votes:`, votes);
for (const v of voters) await v.close();
await surveyor.close();

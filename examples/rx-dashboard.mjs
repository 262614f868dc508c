// A reactive dashboard: sensors publish readings, the dashboard composes topic streams with RxJS.
import { socket } from "nanonext";
import { topic$, pipes$ } from "nanonext/rx";
import { bufferCount, filter, map, merge, scan, take } from "rxjs";

const pub = await socket("pub", { listen: "inproc://sensors" });
pipes$(pub)
  .pipe(filter((e) => e.type === "add"), take(1))
  .subscribe((e) => console.log(`dashboard connected (pipe ${e.pipe.id})`));
const sub = await socket("sub", { dial: "inproc://sensors" });
await new Promise((r) => (pub.pipeIds.length ? r() : pub.once("pipe:add", r)));

const temps$ = topic$(sub, "temp ", { mode: "string" }).pipe(
  map((s) => Number(s.split(" ")[2])),
  bufferCount(3), // a moving window of three readings
  map((w) => `avg temperature ${(w.reduce((a, b) => a + b, 0) / w.length).toFixed(1)}°C`),
);
const alarms$ = topic$(sub, "alarm ", { mode: "string" }).pipe(
  scan((n) => n + 1, 0),
  map((n) => `alarms so far: ${n}`),
);

const done = new Promise((resolve) => merge(temps$, alarms$).pipe(take(4)).subscribe({ next: (line) => console.log(line), complete: resolve }));

// The sensors: pub never blocks; readings published before the dashboard subscribed are simply missed.
let i = 0;
const timer = setInterval(() => {
  i++;
  void pub.send(`temp kitchen ${20 + (i % 5)}`);
  if (i % 4 === 0) void pub.send(`alarm smoke detected in hall`);
}, 5);
await done;
clearInterval(timer);
await sub.close();
await pub.close();

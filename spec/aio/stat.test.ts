import { expect } from "chai";
import net from "node:net";
import { nano, socket, stat, type Socket } from "../../src/index.js";
import { inprocUrl, TCP_ANY } from "../helpers/addr.js";
import { pipeRemoved, pipes } from "../helpers/wait.js";

describe("stat()", () => {
  let open: Socket[] = [];
  afterEach(async () => {
    await Promise.all(open.map((s) => s.close()));
    open = [];
  });

  it("socket statistics: ids, pipes, endpoints and traffic", async () => {
    const rep = await socket("rep", { listen: TCP_ANY, "socket-name": "server" });
    const req = await socket("req", { dial: rep.listeners[0]!.url, "reconnect-time-min": 20 });
    open.push(rep, req);
    await pipes(rep);
    expect(stat(rep, "id")).to.equal(rep.id);
    expect(stat(rep, "name")).to.equal("server");
    expect(stat(rep, "protocol")).to.equal("rep");
    expect(stat(rep, "pipes")).to.equal(1);
    expect(stat(rep, "listeners")).to.equal(1);
    expect(stat(req, "dialers")).to.equal(1);
    expect(stat(rep, "no-such-stat")).to.equal(undefined);
    await req.send("12345");
    await rep.recv({ timeout: 2000 });
    await rep.send("abc");
    await req.recv({ timeout: 2000 });
    expect(stat(req, "tx_msgs")).to.equal(1);
    expect(stat(req, "tx_bytes")).to.equal(9); // 4-byte request id + 5
    expect(stat(rep, "rx_msgs")).to.equal(1);
    expect(stat(rep, "tx_bytes")).to.equal(7);
    expect(stat(req, "rx_bytes")).to.equal(7);
    const n = await nano("pair", {});
    expect(stat(n, "protocol")).to.equal("pair");
    await n.close();
  });

  it("dialer and listener statistics: connect, accept, refused, reject, protocol errors", async () => {
    const rep = await socket("rep", { listen: TCP_ANY });
    open.push(rep);
    const l = rep.listeners[0]!;
    const req = await socket("req", { dial: l.url, "reconnect-time-min": 20 });
    open.push(req);
    await pipes(rep);
    const d = req.dialers[0]!;
    expect(stat(d, "connect")).to.equal(1);
    expect(stat(d, "url")).to.equal(l.url);
    expect(stat(d, "socket")).to.equal(req.id);
    expect(stat(l, "accept")).to.equal(1);
    expect(stat(l, "pipes")).to.equal(1);

    // A peer of the wrong protocol is rejected by rep.
    const pub = await socket("pub", { dial: l.url, "reconnect-time-min": 1000 });
    open.push(pub);
    await pipeRemoved(rep);
    expect(stat(l, "reject")).to.be.at.least(1);
    expect(stat(rep, "reject")).to.be.at.least(1);

    // A bad SP header counts as a protocol error on the listener.
    const port = Number(new URL(l.url.replace("tcp:", "http:")).port);
    await new Promise<void>((resolve) => {
      const c = net.connect(port, "127.0.0.1", () => c.write(Buffer.from("GET / HTTP/1.1\r\n\r\n")));
      c.resume(); // read to see the server's close
      c.on("close", () => resolve());
      c.on("error", () => undefined);
    });
    expect(stat(l, "protocol")).to.equal(1);

    // A refused synchronous dial counts on a dialer.
    const dead = await socket("req");
    open.push(dead);
    const closed = await socket("rep", { listen: TCP_ANY });
    const deadUrl = closed.listeners[0]!.url;
    await closed.close();
    const dd = await dead.dial(deadUrl, { autostart: false });
    await dd.start({ async: false }).catch(() => undefined);
    expect(stat(dd, "refused")).to.equal(1);
  });

  it("inproc listener counts accepts", async () => {
    const url = inprocUrl("stat");
    const a = await socket("bus", { listen: url });
    const b = await socket("bus", { dial: url });
    open.push(a, b);
    await pipes(a);
    expect(stat(a.listeners[0]!, "accept")).to.equal(1);
  });
});

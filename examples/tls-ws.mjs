// Secure transports: a self-signed certificate from writeCert, then req/rep over tls+tcp and over wss.
import { socket, tlsConfig, writeCert, isNngError } from "nanonext";

const cert = await writeCert({ cn: "localhost" });           // key + certificate in PEM
const serverTls = tlsConfig({ server: cert.server });    // what the listener presents
const clientTls = tlsConfig({ client: cert.client });    // what the dialer trusts

for (const base of ["tls+tcp://127.0.0.1:0", "wss://127.0.0.1:0/rpc", "ws://127.0.0.1:0/plain"]) {
  const rep = await socket("rep", { listen: base, tls: serverTls });
  const url = rep.listeners[0].url;
  const req = await socket("req", { dial: url, autostart: "sync", tls: clientTls });
  await req.send("hello");
  await rep.send(`${await rep.recv({ mode: "string" })} over ${url.split(":")[0]}`);
  console.log(await req.recv({ mode: "string", timeout: 5000 }));
  await req.close();
  await rep.close();
}

// Verification is on by default for dialers: an untrusted server is refused with a clear error.
const rep = await socket("rep", { listen: "tls+tcp://127.0.0.1:0", tls: serverTls });
try {
  await socket("req", { dial: rep.listeners[0].url, autostart: "sync" });
} catch (err) {
  console.log("untrusted server refused:", isNngError(err) ? err.code : err);
}
await rep.close();

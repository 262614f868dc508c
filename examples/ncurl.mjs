// The HTTP client (nanonext's ncurl, ncurl_aio, ncurl_session) against a local httpServer:
// GET, POST of JSON with headers, a redirect followed, selected response headers, an async
// request, a persistent session, and the server's body cap (maxBody) answering 413.
import { callAio, handler, handlerRedirect, httpServer, ncurl, ncurlAio, ncurlSession, statusCode, unresolved } from "../dist/index.js";

let hits = 0;
const srv = httpServer(
  "http://127.0.0.1:0",
  [
    // Echoes what it got as JSON, for any method.
    handler(
      "/echo",
      (req) => ({
        headers: { "Content-Type": "application/json", "X-Served-By": "nanonext" },
        body: JSON.stringify({ method: req.method, query: req.query, auth: req.headers["authorization"] ?? null, body: req.body.toString() }),
      }),
      { method: "*" },
    ),
    handler("/count", () => ({ headers: { "X-Count": String(++hits) }, body: `hit ${hits}` })),
    handlerRedirect("/old-echo", "/echo?from=redirect"), // static routes answer GET and HEAD
  ],
  { maxBody: 64 * 1024 },
);
await srv.start();
console.log("serving at", srv.url);

// A plain GET: the body is a string by default.
const get = await ncurl(`${srv.url}/echo?q=1`);
console.log("GET", get.status, get.data);

// POST JSON with request headers; ask for two response headers (looked up case-insensitively).
const post = await ncurl(`${srv.url}/echo`, {
  method: "POST",
  headers: { "Content-Type": "application/json", Authorization: "Bearer s3cret" },
  data: JSON.stringify({ hello: "world" }),
  response: ["content-type", "X-Served-By"],
  timeout: 5000,
});
console.log("POST", post.status, post.headers, JSON.parse(post.data));

// Redirects: reported (with `location`) unless followed.
const moved = await ncurl(`${srv.url}/old-echo`);
console.log("not followed:", statusCode(moved.status), moved.headers);
const followed = await ncurl(`${srv.url}/old-echo`, { headers: { Authorization: "Bearer again" }, followRedirects: true });
console.log("followed:", followed.status, JSON.parse(followed.data));

// ncurlAio: returns at once; the fields read UNRESOLVED until the response is in.
const aio = ncurlAio(`${srv.url}/echo?via=aio`, { response: true });
console.log("aio unresolved right away:", unresolved(aio));
await callAio(aio);
console.log("aio", aio.status, aio.headers["content-type"], aio.data);

// A session: one connection, the same request sent again and again.
const session = await ncurlSession(`${srv.url}/count`, { response: ["x-count"], timeout: 5000 });
for (let i = 0; i < 3; i++) {
  const r = await session.transact();
  console.log("transact", i + 1, r.status, r.headers, r.data);
}
session.close();

// A body over the server's maxBody is refused before the handler runs.
const big = await ncurl(`${srv.url}/echo`, { method: "POST", data: new Uint8Array(64 * 1024 + 1) });
console.log("over maxBody:", statusCode(big.status));

await srv.close(); // nothing left open: the process exits by itself

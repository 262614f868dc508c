// ncurlAio(): the request as an Aio, with nanonext's ncurlAio fields
// (.status, .headers, .data read UNRESOLVED until done) and the aio helpers.
import { expect } from "chai";
import { NcurlAio, ncurlAio } from "../../src/http/client.js";
import { Aio, callAio, collectAio, isAio, NngError, raceAio, stopAio, UNRESOLVED, unresolved } from "../../src/index.js";
import { rejects } from "../helpers/nng-expect.js";
import { freePort, startServer, type TestServer } from "./ncurl-server.js";

describe("ncurlAio", function () {
  this.timeout(10_000);
  let srv: TestServer;

  before(async () => {
    srv = await startServer();
  });
  after(() => srv.close());

  it("fields read UNRESOLVED until done, then status, headers and the body", async () => {
    const aio = ncurlAio(`${srv.base}/headers`, { response: ["x-two"] });
    expect(aio).to.be.instanceOf(NcurlAio).and.instanceOf(Aio);
    expect(isAio(aio)).to.equal(true);
    expect(unresolved(aio)).to.equal(true);
    expect(aio.status).to.equal(UNRESOLVED);
    expect(aio.headers).to.equal(UNRESOLVED);
    expect(aio.data).to.equal(UNRESOLVED);
    await callAio(aio);
    expect(unresolved(aio)).to.equal(false);
    expect(aio.status).to.equal(200);
    expect(aio.headers).to.deep.equal({ "x-two": "two" });
    expect(aio.data).to.equal("h");
  });

  it("awaiting it gives the whole result; collectAio gives the body", async () => {
    const aio = ncurlAio(`${srv.base}/echo`, { method: "POST", data: "round trip" });
    expect(await aio).to.deep.equal({ status: 200, headers: null, data: "round trip" });
    expect(await collectAio(aio)).to.equal("round trip");
    const many = [ncurlAio(`${srv.base}/text`), ncurlAio(`${srv.base}/binary`, { convert: false })];
    const [text, bytes] = (await collectAio(many)) as [string, Buffer];
    expect(text).to.equal("héllo wörld");
    expect(Buffer.isBuffer(bytes)).to.equal(true);
  });

  it("does not follow redirects: the 3xx comes back with its location", async () => {
    const aio = ncurlAio(`${srv.base}/redirect/2`, { followRedirects: true } as never);
    await callAio(aio);
    expect(aio.status).to.equal(302);
    expect(aio.headers).to.deep.equal({ location: "/redirect/1" });
  });

  it("stopAio → ECANCELED in all three fields", async () => {
    const aio = ncurlAio(`${srv.base}/hang`);
    const other = ncurlAio(`${srv.base}/text`);
    expect(await raceAio([aio, other])).to.equal(1);
    stopAio(aio);
    await rejects(Promise.resolve(aio), "ECANCELED");
    for (const v of [aio.status, aio.headers, aio.data]) {
      expect(v).to.be.instanceOf(NngError);
      expect((v as NngError).code).to.equal("ECANCELED");
    }
    stopAio(aio); // after completion: no effect
    expect((aio.data as NngError).code).to.equal("ECANCELED");
  });

  it("failures complete the aio with the error: timeout, refused, bad URL, bad options", async () => {
    const port = await freePort();
    const aios = {
      timeout: ncurlAio(`${srv.base}/hang`, { timeout: 100 }),
      refused: ncurlAio(`http://127.0.0.1:${port}/`),
      url: ncurlAio("gopher://127.0.0.1/"),
      opts: ncurlAio(`${srv.base}/text`, { data: 1 as never }),
    };
    const out = (await collectAio(aios)) as Record<string, NngError>;
    expect(Object.fromEntries(Object.entries(out).map(([k, e]) => [k, e.code]))).to.deep.equal({
      timeout: "ETIMEDOUT",
      refused: "ECONNREFUSED",
      url: "EADDRINVAL",
      opts: "EBADTYPE",
    });
    expect((aios.refused.status as NngError).code).to.equal("ECONNREFUSED");
  });

  it("an AbortSignal in the options cancels it too", async () => {
    const ac = new AbortController();
    const aio = ncurlAio(`${srv.base}/hang`, { signal: ac.signal });
    ac.abort();
    await callAio(aio);
    expect((aio.data as NngError).code).to.equal("ECANCELED");
  });
});

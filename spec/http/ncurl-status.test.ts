// statusCode(): nanonext's status_code() table (RFC 9110 plus its extras).
import { expect } from "chai";
import { statusCode } from "../../src/http/status.js";
import { throws } from "../helpers/nng-expect.js";

describe("statusCode", () => {
  it("formats known codes as '<code> | <reason>'", () => {
    expect(statusCode(200)).to.equal("200 | OK");
    expect(statusCode(404)).to.equal("404 | Not Found");
    expect(statusCode(100)).to.equal("100 | Continue");
    expect(statusCode(511)).to.equal("511 | Network Authentication Required");
    expect(statusCode(308)).to.equal("308 | Permanent Redirect");
    expect(statusCode(429)).to.equal("429 | Too Many Requests");
    expect(statusCode(503)).to.equal("503 | Service Unavailable");
  });

  it("knows nanonext's extras", () => {
    expect(statusCode(418)).to.equal("418 | I'm a teapot");
    expect(statusCode(306)).to.equal("306 | Switch Proxy");
    expect(statusCode(102)).to.equal("102 | Processing");
    expect(statusCode(207)).to.equal("207 | Multi-Status");
    expect(statusCode(451)).to.equal("451 | Unavailable For Legal Reasons");
    expect(statusCode(508)).to.equal("508 | Loop Detected");
  });

  it("anything else is 'Unknown HTTP Status'; non-integers are truncated", () => {
    for (const c of [0, 99, 299, 419, 509, 512, 600, -1]) expect(statusCode(c)).to.equal(`${c} | Unknown HTTP Status`);
    expect(statusCode(404.9)).to.equal("404 | Not Found");
  });

  it("a non-number → EBADTYPE", () => {
    throws(() => statusCode("404" as unknown as number), "EBADTYPE");
    throws(() => statusCode(Number.NaN), "EBADTYPE");
  });
});

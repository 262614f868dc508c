import { expect } from "chai";
import { CatError, checkCatOptions, intArg, parseCatArgs, type CatOptions, type FileReader } from "../../src/cli/cat-args.js";

const files: Record<string, string> = { "/d.bin": "file body", "-": "from stdin", "/c.pem": "CERT" };
const read: FileReader = (p) => {
  const v = files[p];
  if (v === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: "ENOENT" });
  return new TextEncoder().encode(v);
};

function run(...argv: string[]): CatOptions {
  const r = parseCatArgs(argv, read);
  if (r.action !== "run") throw new Error(`expected options, got ${r.action}`);
  return r.options;
}

/** The stderr line nngcat prints for this command line. */
function failure(...argv: string[]): string {
  try {
    const r = parseCatArgs(argv, read);
    if (r.action === "run") checkCatOptions(r.options);
  } catch (err) {
    expect(err).to.be.instanceOf(CatError);
    return (err as CatError).line;
  }
  throw new Error(`no error for ${argv.join(" ")}`);
}

const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);
const U = "tcp://127.0.0.1:5555";

describe("cli/cat-args (nngcat 1.5.2 option parsing)", () => {
  describe("protocols and prefixes", () => {
    it("accepts full names and unambiguous prefixes", () => {
      expect(run("--req0").protocol).to.equal("req0");
      expect(run("--req").protocol).to.equal("req0");
      expect(run("--rep").protocol).to.equal("rep0");
      expect(run("--resp").protocol).to.equal("respondent0");
      expect(run("--surv").protocol).to.equal("surveyor0");
      expect(run("--sub").protocol).to.equal("sub0");
      expect(run("--bus").protocol).to.equal("bus0");
      expect(run("--pair").protocol).to.equal("pair");
      expect(run("--pair0").protocol).to.equal("pair0");
      expect(run("--comp").compat).to.equal(true);
    });

    it("reports ambiguous and unknown options as nngcat", () => {
      expect(failure("--re")).to.equal("Option --re is ambiguous (specify in full).");
      expect(failure("--")).to.equal("Option -- is ambiguous (specify in full).");
      expect(failure("--nope")).to.equal("Option --nope is invalid.");
      expect(failure("-z")).to.equal("Option -z is invalid.");
      expect(failure("-Ax")).to.equal("Option -Ax is invalid.");
      expect(failure("--req=3")).to.equal("Option --req=3 is invalid.");
      expect(failure("--req", "--dial")).to.equal("Option --dial requires argument.");
      expect(failure("--req0", "--req")).to.equal("Only one protocol may be specified.");
    });

    it("errors carry nng's codes", () => {
      const code = (...a: string[]) => {
        try {
          parseCatArgs(a, read);
        } catch (e) {
          return (e as CatError).code;
        }
        return undefined;
      };
      expect(code("--re")).to.equal("EAMBIGUOUS");
      expect(code("--dial")).to.equal("ENOARG");
      expect(code("--x")).to.equal("EINVAL");
      expect(code("-F", "/missing")).to.equal("ENOENT");
    });
  });

  describe("values", () => {
    it("takes --opt value, --opt=value, --opt:value and -Xvalue", () => {
      const o = run("--sub", "--dial", U, "--subscribe=a", "--subscribe:b", "--subscribe", "c", "-L5678", "-l", "1");
      expect(o.topics.map(text)).to.deep.equal(["a", "b", "c"]);
      expect(o.addresses).to.deep.equal([
        { mode: "dial", url: U },
        { mode: "listen", url: "tcp://127.0.0.1:5678" },
        { mode: "dial", url: "tcp://127.0.0.1:1" },
      ]);
    });

    it("maps the address aliases", () => {
      const o = run("--bind", "inproc://a", "--connect", "inproc://b", "-X", "/tmp/x", "--connect-ipc=/tmp/y");
      expect(o.addresses).to.deep.equal([
        { mode: "listen", url: "inproc://a" },
        { mode: "dial", url: "inproc://b" },
        { mode: "listen", url: "ipc:////tmp/x" },
        { mode: "dial", url: "ipc:////tmp/y" },
      ]);
    });

    it("reads seconds as milliseconds and counts", () => {
      const o = run("-d", "2", "-i", "3", "--send-timeout", "4", "--recv-timeout=5", "-C", "7", "-Z", "100");
      expect([o.delay, o.interval, o.sendTimeout, o.recvTimeout, o.count, o.recvMaxSize]).to.deep.equal([2000, 3000, 4000, 5000, 7, 100]);
      expect(run("-Z", "0").recvMaxSize).to.equal(0x7fffffff);
      expect(run().interval).to.equal(-1);
    });

    it("checks integers as nngcat", () => {
      expect(intArg("65536", 65536)).to.equal(65536);
      expect(failure("-C", "x")).to.equal("Integer argument expected.");
      expect(failure("-C", "-1")).to.equal("Integer argument expected.");
      expect(failure("-C", "")).to.equal("Empty integer argument.");
      expect(failure("-L", "65537")).to.equal("Integer argument too large.");
      expect(failure("--delay", "86401")).to.equal("Integer argument too large.");
    });

    it("loads --data, --file and - (stdin)", () => {
      expect(text(run("-D", "hi").data)).to.equal("hi");
      expect(text(run("-F", "/d.bin").data)).to.equal("file body");
      expect(text(run("--file=-").data)).to.equal("from stdin");
      expect(failure("-D", "x", "-F", "/d.bin")).to.equal("Data (--file, --data) may be specified only once.");
      expect(failure("-F", "/missing")).to.equal("Cannot open file /missing: No such file or directory");
      expect(text(run("--cert", "/c.pem").cert)).to.equal("CERT");
      expect(failure("--cert", "/c.pem", "-E", "/c.pem")).to.equal("Cert (--cert) may be specified only once.");
    });

    it("formats: once only, --format names", () => {
      expect(run("-A").format).to.equal("ascii");
      expect(run("--format", "no").format).to.equal("no");
      expect(run("--format=msgpack").format).to.equal("msgpack");
      expect(run().format).to.equal("none");
      expect(failure("-A", "-Q")).to.equal("Format may be specified only once.");
      expect(failure("--format", "bad")).to.equal("Invalid format specified.");
    });

    it("stops at the first non-option argument, as nngcat", () => {
      expect(run("--req", "foo", "--dial", U).addresses).to.deep.equal([]);
      expect(run("--req", "-", "--dial", U).addresses).to.deep.equal([]);
    });

    it("--help and --version win when reached", () => {
      expect(parseCatArgs(["--req", "-h", "--bogus"], read)).to.deep.equal({ action: "help" });
      expect(parseCatArgs(["-V"], read)).to.deep.equal({ action: "version" });
      expect(failure("--bogus", "-h")).to.equal("Option --bogus is invalid.");
    });
  });

  describe("whole-line checks (checkCatOptions)", () => {
    const check = (...a: string[]) => checkCatOptions(run(...a));

    it("in nngcat's order", () => {
      expect(failure("--req")).to.equal("No address specified.");
      expect(failure("--dial", U)).to.equal("No protocol specified.");
      expect(failure("--dial", U, "--subscribe", "a")).to.equal("Protocol does not support --subscribe.");
      expect(failure("--sub", "--dial", U, "-D", "x")).to.equal("Protocol does not support --file or --data.");
      expect(failure("--pull", "--dial", U, "-i", "1")).to.equal("Protocol does not support --interval.");
      expect(failure("--push", "--dial", U)).to.equal("Protocol requires either --file or --data.");
      expect(failure("--pub", "--dial", U, "-A", "-D", "x")).to.equal("Protocol does not support --format options.");
      expect(failure("--surveyor", "--dial", U)).to.equal("Protocol requires either --file or --data.");
      expect(failure("--rep", "--dial", U, "-i", "1")).to.equal("Protocol does not support --interval.");
      expect(failure("--pair0", "--dial", U, "-i", "1")).to.equal("Option --interval requires either --file or --data.");
      expect(failure("--compat", "--async", "--dial", U)).to.equal("Options --async and --compat are incompatible.");
      expect(failure("--compat", "-C", "1", "--dial", U)).to.equal("Options --count and --compat are incompatible.");
      expect(failure("--compat", "--pair1", "--dial", U)).to.equal("Protocol does not support --compat.");
    });

    it("resolves --pair, --compat and the default subscription", () => {
      expect(check("--pair", "--dial", U).protocol).to.equal("pair1");
      const c = check("--pair", "--compat", "--dial", U);
      expect([c.protocol, c.async]).to.deep.equal(["pair0", true]);
      expect(check("--sub", "--dial", U).topics.map(text)).to.deep.equal([""]);
    });
  });
});

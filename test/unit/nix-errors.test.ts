import { describe, expect, it } from "vitest";
import { nixFix, wholeNixError } from "../../src/envs/nix-errors.js";

// Real stderr of Nix 2.8 (nix-instantiate of nix/hms-env.nix against the stand-in nixpkgs).
const TOO_OLD = `error: evaluation aborted with the following error message: '
       This version of Nixpkgs requires Nix >= 99.0, please upgrade:

       - If you installed Nix using the install script (https://nixos.org/nix/install),
         it is safe to upgrade by running it again:

             curl -L https://nixos.org/nix/install | sh
       '
`;

const WITH_TRACE = `warning: something to ignore
error: cannot coerce null to a string

       at /work/nix/hms-env.nix:201:60:

          200|   pathFirst = ''
          201|     export PATH="\${builtins.concatStringsSep ":" (map (p: "\${p}/bin") packages)}''\${PATH:+:$PATH}"
             |                                                            ^
          202|   '';

       … while evaluating anonymous lambda

       at /work/nix/hms-env.nix:201:56:

       … from call site

       … while evaluating the attribute 'shellHook' of the derivation 'hms-env-hms-dev'

       at /work/fixtures/nixpkgs/default.nix:51:14:

           50|     derivation (builtins.removeAttrs attrs [ "packages" ] // {
           51|       inherit name system;
             |              ^
`;

const UNDEFINED = `error: undefined variable 'jq'

       at /work/nix/hms-env.nix:97:55:

           96|   # Tools every component gets.
           97|   commonPackages = with pkgs; [ coreutils git gnumake jq curl direnv ];
             |                                                       ^
           98|
(use '--show-trace' to show detailed location information)
`;

const MISSING = `error: attribute 'typescript' missing

       at /work/nix/hms-env.nix:131:40:

          131|       packages = with pkgs; [ nodejs pkgs.typescript rustc cargo ];
             |                                        ^
(use '--show-trace' to show detailed location information)
`;

const OFFLINE = `warning: error: unable to download 'https://github.com/NixOS/nixpkgs/archive/597283ad8aa0b331c788e97c4c262d58877074ef.tar.gz': Couldn't resolve host name (6); retrying in 345 ms
warning: error: unable to download 'https://github.com/NixOS/nixpkgs/archive/597283ad8aa0b331c788e97c4c262d58877074ef.tar.gz': Couldn't resolve host name (6); retrying in 502 ms
error: unable to download 'https://github.com/NixOS/nixpkgs/archive/597283ad8aa0b331c788e97c4c262d58877074ef.tar.gz': Couldn't resolve host name (6)
`;

const HASH = `error: hash mismatch in file downloaded from 'file:///tmp/sx.tar.gz':
         specified: sha256:102vwf86cjx5c4bki98f7as62j69189qbh892vv8hylfkvap3q17
         got:       sha256:0h0d3l50fnn2b56mmcj0azb24c2lsnsmcnzggv0az3hiqnc756x5
`;

describe("wholeNixError", () => {
  it("keeps the reason that follows an error: line ending in a quote", () => {
    const message = wholeNixError(TOO_OLD);
    expect(message.split("\n")[0]).toBe("error: evaluation aborted with the following error message: '");
    expect(message).toContain("This version of Nixpkgs requires Nix >= 99.0, please upgrade:");
    expect(message).toContain("curl -L https://nixos.org/nix/install | sh");
    // continuation lines lose Nix's indentation, but keep their own
    expect(message).toContain("\nThis version of Nixpkgs");
    expect(message).toContain("\n  it is safe to upgrade");
  });

  it("drops warnings, source excerpts, locations and trace frames", () => {
    expect(wholeNixError(WITH_TRACE)).toBe("error: cannot coerce null to a string");
    expect(wholeNixError(UNDEFINED)).toBe("error: undefined variable 'jq'");
  });

  it("keeps the lines that explain a hash mismatch", () => {
    expect(wholeNixError(HASH)).toBe(
      [
        "error: hash mismatch in file downloaded from 'file:///tmp/sx.tar.gz':",
        "specified: sha256:102vwf86cjx5c4bki98f7as62j69189qbh892vv8hylfkvap3q17",
        "got:       sha256:0h0d3l50fnn2b56mmcj0azb24c2lsnsmcnzggv0az3hiqnc756x5",
      ].join("\n"),
    );
  });

  it("without an error: line gives the last line, or says there was no output", () => {
    expect(wholeNixError("building...\nsomething broke\n\n")).toBe("something broke");
    expect(wholeNixError("")).toBe("no output");
  });
});

describe("nixFix", () => {
  const context = { nixpkgs: "pinned", nixVersion: "2.8.0", fetchCommand: "nix-prefetch-url --unpack URL" };

  it("a Nix too old for the nixpkgs: both versions, the installer, and the other way out", () => {
    const fix = nixFix(wholeNixError(TOO_OLD), context);
    expect(fix).toContain("needs Nix >= 99.0");
    expect(fix).toContain("this machine has 2.8.0");
    expect(fix).toContain("https://nixos.org/nix/install");
    expect(fix).toContain("nix.nixpkgs");
  });

  it("the minfeatures.nix wording is the same case", () => {
    expect(nixFix("`builtins.nixVersion` reports at least 2.18", context)).toContain("needs Nix >= 2.18");
  });

  it.each([
    [MISSING, "typescript"],
    [UNDEFINED, "jq"],
  ])("an attribute missing from nixpkgs names it and the pin", (stderr, name) => {
    const fix = nixFix(wholeNixError(stderr), context);
    expect(fix).toContain(`has no attribute '${name}'`);
    expect(fix).toContain("(pinned)");
  });

  it("a pin that cannot be downloaded offline gives the fetch command", () => {
    const message = wholeNixError(OFFLINE);
    expect(message).toBe(
      "error: unable to download 'https://github.com/NixOS/nixpkgs/archive/597283ad8aa0b331c788e97c4c262d58877074ef.tar.gz': Couldn't resolve host name (6)",
    );
    const fix = nixFix(message, context);
    expect(fix).toContain("cannot be downloaded");
    expect(fix).toContain("nix-prefetch-url --unpack URL");
    expect(fix).toContain("hms-env warm");
  });

  it("a hash mismatch says how to recompute the pin's hash", () => {
    expect(nixFix(wholeNixError(HASH), context)).toContain("nix-prefetch-url --unpack");
  });

  it("an unknown failure has no fix", () => {
    expect(nixFix("error: cannot coerce null to a string", context)).toBeUndefined();
  });
});

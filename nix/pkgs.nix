# nix/pkgs.nix: the pinned nixpkgs, so that everyone gets the same shell for the same bug.
#
# nixpkgs.json beside this file names one nixpkgs commit: `url` is GitHub's tarball of `rev`, and
# `sha256` is the hash of the unpacked tree (a flake.lock's narHash), which fetchTarball checks.
# The store path is named "source", as flakes name it, so a tree a flake already fetched is reused.
# Arguments are handed to nixpkgs: import ./pkgs.nix { system = "aarch64-linux"; }
args:
let
  pin = builtins.fromJSON (builtins.readFile ./nixpkgs.json);
  nixpkgs = builtins.fetchTarball {
    inherit (pin) url sha256;
    name = "source";
  };
in
import nixpkgs args

# nix/hms-env.nix: the Nix shell of an HMS ephemeral development environment.
#
# One file defines the shell of every HMS component; `component` picks one:
#
#   cd <checkout> && nix-shell <checkout>/nix/hms-env.nix \
#     --argstr component hms-dev --argstr envDir /path/to/env
#
# Start it from the root of the checkout: the $PWD-based variables below
# (HMS_DEV_ROOT, HMS_SME_ROOT, ESR_CONFIG ...) are taken from that directory.
#
# Arguments
#   pkgs              nixpkgs; by default the pinned one (pkgs.nix and
#                     nixpkgs.json beside this file). Another with
#                       --arg pkgs 'import <nixpkgs> { }'
#                     (tests give an offline stand-in, see test/fixtures/nixpkgs)
#   component         "hms-sme" | "hms-esr" | "hms-dev" | "hms-sys" | "all"
#                     ("all" is the union of the four)
#   envDir            directory of the provisioned environment; when given, the
#                     root cause database is ${envDir}/data/root_cause.json.
#                     An absolute one is set exactly as written, whatever
#                     characters it holds ($, quotes, spaces are never expanded)
#   componentEnvVars  variables that override or extend the defaults below, e.g.
#                       --arg componentEnvVars '{ NODE_ENV = "test"; }'
#                     A key naming a component or "all" holds variables for that
#                     component only: '{ hms-sme = { RAILS_ENV = "test"; }; }'.
#                     A null value removes a variable.
{ pkgs ? import ./pkgs.nix { }
, component ? "all"
, envDir ? ""
, componentEnvVars ? { }
}:

let
  # The provisioned environment's directory as an absolute path ("" = none).
  # A relative envDir is taken relative to the checkout, i.e. $PWD.
  envDirIsAbsolute = builtins.substring 0 1 envDir == "/";
  envDirAbs =
    if envDir == "" then ""
    else if envDirIsAbsolute then envDir
    else "$PWD/${envDir}";

  # Where each component lives in the checkout, relative to it: hms-env writes
  # the first folder of each components.<id>.paths into the environment's
  # .hms-env/component-roots.json; without that file, the HMS layout.
  rootsFile = "${envDirAbs}/.hms-env/component-roots.json";
  givenRoots =
    if builtins.substring 0 1 envDirAbs == "/" && builtins.pathExists rootsFile
    then builtins.fromJSON (builtins.readFile rootsFile)
    else { };
  rootOf = id: default: "$PWD/${givenRoots.${id} or default}";

  # ==========================================================================
  # componentEnvVars: the default environment variables of each component.
  # EDIT THIS SECTION to change them, or pass --arg componentEnvVars (above).
  #
  # A value containing "$" is expanded by bash when the shell starts, so
  # "$PWD/..." points into the checkout (it may use $PWD, $HOME, the constant
  # variables, and, in componentEnvVars passed in, these $PWD-based ones);
  # any other value is set exactly as written.
  # ==========================================================================
  defaults.componentEnvVars = {
    # every component
    common = {
      HMS_DEV_ROOT = "$PWD"; # the checkout
      # the components in this shell, e.g. "HMS-SME HMS-ESR HMS-DEV HMS-SYS"
      HMS_COMPONENTS = builtins.concatStringsSep " " (map (c: components.${c}.label) selected);
      # every shell gets the root cause database: the environment's own copy
      # when provisioned, otherwise the checkout's
      # (an absolute envDir is HMS_ENV_DIR, set as it is before this expands)
      HMS_ROOT_CAUSE_DB =
        if envDirIsAbsolute then "$HMS_ENV_DIR/data/root_cause.json"
        else if envDirAbs != "" then "${envDirAbs}/data/root_cause.json"
        else "$PWD/data/root_cause.json";
    } // (if envDirAbs != "" then { HMS_ENV_DIR = envDirAbs; } else { });

    hms-sme = {
      HMS_COMPONENT = "HMS-SME";
      HMS_SME_ROOT = rootOf "hms-sme" "SYSTEM-COMPONENTS/HMS-SME";
      RAILS_ENV = "development";
      DATABASE_URL = "postgresql://localhost:5432/hms_sme_development";
    };

    hms-esr = {
      HMS_COMPONENT = "HMS-ESR";
      HMS_ESR_ROOT = rootOf "hms-esr" "SYSTEM-COMPONENTS/HMS-ESR";
      # the "custom ESR config" lives in the checkout, so it follows the branch
      ESR_CONFIG = "${rootOf "hms-esr" "SYSTEM-COMPONENTS/HMS-ESR"}/config/esr.yml";
    };

    hms-dev = {
      HMS_COMPONENT = "HMS-DEV";
      NODE_ENV = "development";
      # HMS-DEV's root is HMS_DEV_ROOT (common, above): the checkout itself
    };

    hms-sys = {
      HMS_COMPONENT = "HMS-SYS";
      HMS_SYS_ROOT = rootOf "hms-sys" "SYSTEM-COMPONENTS/HMS-SYS";
      # bindgen and prost find libclang and protoc here instead of guessing
      LIBCLANG_PATH = "${pkgs.llvmPackages.libclang.lib}/lib";
      PROTOC = "${pkgs.protobuf}/bin/protoc";
    };

    # applied after the four components' variables when component = "all"
    all = {
      HMS_COMPONENT = "all";
    };
  };
  # ==========================================================================

  # Tools every component gets.
  commonPackages = with pkgs; [ coreutils git gnumake jq curl direnv ];

  # What each component adds: tools on PATH (packages), libraries
  # (buildInputs), and a shellHook printing one banner line to stderr, so that
  # --run output on stdout stays clean.
  components = {
    hms-sme = {
      label = "HMS-SME";
      packages = with pkgs; [ ruby bundler rubyPackages.rails postgresql ];
      shellHook = ''
        echo "hms-env: HMS-SME shell ready (ruby, rails, postgresql)" >&2
      '';
    };

    hms-esr = {
      label = "HMS-ESR";
      packages = with pkgs; [ ruby bundler ];
      # a branch without the ESR config still gets a shell; the banner says so
      shellHook = ''
        if [ -f "''${ESR_CONFIG:-}" ]; then _hms_esr="config $ESR_CONFIG"
        else _hms_esr="no config at ''${ESR_CONFIG:-?}"; fi
        echo "hms-env: HMS-ESR shell ready (ruby, bundler; $_hms_esr)" >&2
        unset _hms_esr
      '';
    };

    hms-dev = {
      label = "HMS-DEV";
      # typescript is top-level since nixpkgs 23.11, and nodePackages is gone
      # from 2026 trees: take whichever this nixpkgs has
      packages = with pkgs; [ nodejs (pkgs.typescript or pkgs.nodePackages.typescript) rustc cargo ];
      shellHook = ''
        echo "hms-env: HMS-DEV shell ready (node, tsc, cargo)" >&2
      '';
    };

    hms-sys = {
      label = "HMS-SYS";
      packages = with pkgs; [ rustc cargo clang llvm protobuf pkg-config ];
      buildInputs = with pkgs; [ llvmPackages.libclang ];
      shellHook = ''
        echo "hms-env: HMS-SYS shell ready (cargo, clang, protoc, llvm)" >&2
      '';
    };
  };

  # The components in this shell, in a fixed order (for "all": all four).
  componentNames = [ "hms-sme" "hms-esr" "hms-dev" "hms-sys" ];
  selected =
    if component == "all" then componentNames
    else if builtins.elem component componentNames then [ component ]
    else throw ("hms-env.nix: unknown component ${builtins.toJSON component}; valid components: "
      + builtins.concatStringsSep ", " (componentNames ++ [ "all" ]));

  # Sections of componentEnvVars that apply, in order; later ones win.
  scopes = selected ++ (if component == "all" then [ "all" ] else [ ]);

  # Variables: common defaults, each scope's defaults, then the caller's
  # componentEnvVars: its per-component sections, then its plain variables.
  mergeAll = builtins.foldl' (a: b: a // b) { };
  callerScoped = scope: componentEnvVars.${scope} or { };
  callerPlain = builtins.removeAttrs componentEnvVars (componentNames ++ [ "all" ]);
  defaultVars = mergeAll ([ defaults.componentEnvVars.common ]
    ++ map (s: defaults.componentEnvVars.${s}) scopes);
  merged = mergeAll ([ defaultVars ] ++ map callerScoped scopes ++ [ callerPlain ]);
  nullNames = builtins.filter (n: merged.${n} == null) (builtins.attrNames merged);

  # mkShell's own arguments can't double as variables.
  reservedNames = [ "name" "packages" "buildInputs" "nativeBuildInputs" "shellHook"
    "stdenv" "system" "builder" "args" "outputs" "passthru" "meta" "inputsFrom" ];
  checkVar = name: value:
    if builtins.match "[A-Za-z_][A-Za-z0-9_]*" name == null then
      throw "hms-env.nix: componentEnvVars: ${builtins.toJSON name} is not a valid variable name"
    else if builtins.elem name reservedNames then
      throw "hms-env.nix: componentEnvVars: ${name} is reserved by mkShell"
    else if builtins.isList value || builtins.isFunction value
      || (builtins.isAttrs value && !(value ? outPath)) then
      throw "hms-env.nix: componentEnvVars.${name} must be a string"
    else toString value;
  envVars = builtins.mapAttrs checkVar (builtins.removeAttrs merged nullNames);

  # Constant variables become mkShell attributes (nix-shell exports them);
  # values with "$" must be expanded in the shell, so the shellHook exports
  # them: the built-in ones first, so that the caller's may refer to them.
  # The folder's own path is data, never shell code: a "$" in it stays a "$".
  literal = name: name == "HMS_ENV_DIR" && envDirIsAbsolute && envVars.${name} == envDir;
  expandsInShell = name: envVars ? ${name} && !(literal name)
    && builtins.replaceStrings [ "$" ] [ "" ] envVars.${name} != envVars.${name};
  defaultNames = builtins.attrNames defaultVars;
  callerNames = builtins.filter (n: !(defaultVars ? ${n})) (builtins.attrNames envVars);
  shellNames = builtins.filter expandsInShell (defaultNames ++ callerNames);
  constVars = builtins.removeAttrs envVars shellNames;
  # "..." keeps $ live but makes \ " ` literal
  doubleQuote = s: "\"" + builtins.replaceStrings [ "\\" "\"" "`" ] [ "\\\\" "\\\"" "\\`" ] s + "\"";
  exports = map (n: "export ${n}=${doubleQuote envVars.${n}}\n") shellNames;

  # Each package once, even when several components want it (as for "all").
  unique = builtins.foldl' (acc: p: if builtins.elem p acc then acc else acc ++ [ p ]) [ ];
  fromSelected = attr: builtins.concatMap (c: components.${c}.${attr} or [ ]) selected;
  packages = unique (commonPackages ++ fromSelected "packages");

  # After stdenv's setup has built PATH, nix-shell puts the directory of its
  # bash in front of it. With NIX_BUILD_SHELL=/bin/bash (as the launcher sets
  # it) that is /bin, so on a Debian host /bin/node, /bin/git ... would shadow
  # this shell's own. Put the shell's tools back in front.
  pathFirst = ''
    export PATH="${builtins.concatStringsSep ":" (map (p: "${p}/bin") packages)}''${PATH:+:$PATH}"
  '';
in
pkgs.mkShell (constVars // {
  name = "hms-env-${component}";
  inherit packages;
  buildInputs = unique (fromSelected "buildInputs");

  # nix-shell runs this in the directory it was started from (the checkout):
  # PATH, the $PWD-based variables, then each component's banner.
  shellHook = builtins.concatStringsSep ""
    ([ pathFirst ] ++ exports ++ map (c: components.${c}.shellHook) selected);
})

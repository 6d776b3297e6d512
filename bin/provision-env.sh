#!/usr/bin/env bash
# provision-env.sh: the seed's command, for monorepos that keep SYSTEM-COMPONENTS/HMS-SYS/provision-env.sh.
# Copy or link this file there. It takes exactly the seed's flags and hands them to `hms-env provision`:
#
#   ./SYSTEM-COMPONENTS/HMS-SYS/provision-env.sh --component hms-sme --branch feature/new-feature
#   ./SYSTEM-COMPONENTS/HMS-SYS/provision-env.sh --component hms-dev --pr 123
#   ./SYSTEM-COMPONENTS/HMS-SYS/provision-env.sh --component all --pr 123 --timeout 8h
set -euo pipefail

usage() {
  echo "Usage: provision-env.sh --component <hms-sme|hms-esr|hms-dev|hms-sys|all> (--branch NAME | --pr N) [--timeout 8h]" >&2
}

args=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    --component | --branch | --pr | --timeout)
      if [ "$#" -lt 2 ]; then
        echo "provision-env.sh: $1 needs a value" >&2
        usage
        exit 2
      fi
      # --flag=value keeps a value that starts with '-' from being read as a flag; hms-env then rejects it.
      args+=("$1=$2")
      shift 2
      ;;
    --component=* | --branch=* | --pr=* | --timeout=*)
      args+=("$1")
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      echo "provision-env.sh: unknown argument: $1" >&2
      usage
      exit 2
      ;;
  esac
done

# Beside an hms-env checkout (bin/ next to dist/), use it; otherwise the installed command.
case "${BASH_SOURCE[0]}" in */*) here="${BASH_SOURCE[0]%/*}" ;; *) here=. ;; esac
local_cli="$(cd -- "$here" && pwd -P)/../dist/cli.js"
if [ -f "$local_cli" ]; then
  exec node "$local_cli" provision "${args[@]}"
elif command -v hms-env >/dev/null 2>&1; then
  exec hms-env provision "${args[@]}"
fi
echo "provision-env.sh: the hms-env command was not found; install it with: npm install -g hms-env" >&2
exit 127

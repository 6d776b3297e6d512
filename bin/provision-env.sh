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

# This file, resolved through symlinks (a link in a monorepo points at an hms-env checkout or install):
# readlink -f is GNU and recent BSD only, so each link is followed by hand.
self="$0"
while [ -L "$self" ]; do
  target="$(readlink -- "$self")"
  case "$target" in
    /*) self="$target" ;;
    *) self="$(dirname -- "$self")/$target" ;;
  esac
done
here="$(cd -- "$(dirname -- "$self")" && pwd -P)"

# Inside an hms-env package (bin/ next to a built dist/), use that one; otherwise the command on PATH.
if [ -f "$here/../dist/cli.js" ]; then
  exec node "$here/../dist/cli.js" provision "${args[@]}"
elif command -v hms-env >/dev/null 2>&1; then
  exec hms-env provision "${args[@]}"
fi
cat >&2 <<'ADVICE'
provision-env.sh: the hms-env command was not found on PATH, and this script is not inside an hms-env
package. hms-env is installed from its source checkout (it is not on the npm registry):
  cd /path/to/hms-env && npm ci && npm link
or link this script instead of copying it:
  ln -s /path/to/hms-env/bin/provision-env.sh SYSTEM-COMPONENTS/HMS-SYS/provision-env.sh
ADVICE
exit 127

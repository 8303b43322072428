#!/usr/bin/env bash
# The reverse of collect.sh: puts the finished runs committed in docs/study/claims/ back where claims.sh keeps its
# runs (runs/claims/<part>/<run>/), with this machine's paths of the repository and of ../shared in place of "." and
# "../shared", so that `compare --resume` skips them (a finished run's result.json is enough; its checkpoint is not
# committed) and a study can go on on another machine. Runs already present are left as they are.
# Run from the repository root; arguments: the committed folder (default docs/study/claims) and the study's output
# folder (default runs/claims).
set -euo pipefail
SRC=${1:-docs/study/claims}
DST=${2:-runs/claims}
ROOT=$(pwd)
SHARED=$(dirname "$ROOT")/shared/
n=0
for run in "$SRC"/*/runs/*/; do
    [ -f "$run/result.json" ] || continue
    part=$(basename "$(dirname "$(dirname "$run")")")
    name=$(basename "$run")
    [ -e "$DST/$part/$name" ] && continue
    mkdir -p "$DST/$part/$name"
    for f in config.json metrics.csv result.json; do
        [ -f "$run/$f" ] && sed "s#\"\\.\\./shared/#\"$SHARED#g; s#\"\\./#\"$ROOT/#g" "$run/$f" > "$DST/$part/$name/$f"
    done
    n=$((n + 1))
done
echo "restored $n runs into $DST"

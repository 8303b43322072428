#!/usr/bin/env bash
# Copies what docs/study/claims.sh produced into docs/study/claims/, for committing: the tables, plots and CSV files
# of every block that has produced them, and each finished run's config.json, metrics.csv and
# result.json (not its checkpoint). This machine's absolute paths of the repository and of ../shared are replaced
# by "." and "../shared".
# Run from the folder the study ran in; arguments: the study's output folder (default runs/claims) and the folder
# to copy into (default docs/study/claims).
set -euo pipefail
SRC=${1:-runs/claims}
DST=${2:-docs/study/claims}
ROOT=$(pwd)
mkdir -p "$DST"
for dir in "$SRC"/*/; do
    part=$(basename "$dir")
    mkdir -p "$DST/$part"
    for f in "$SRC/$part"/*.md "$SRC/$part"/*.csv "$SRC/$part"/*.png; do
        [ -f "$f" ] && cp "$f" "$DST/$part/"
    done
    for run in "$SRC/$part"/*/; do
        [ -f "$run/result.json" ] || continue
        python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); sys.exit(len(r["epochs"]) < r["config"]["epochs"])' \
            "$run/result.json" || continue  # interrupted: copied once it is resumed to its end
        name=$(basename "$run")
        mkdir -p "$DST/$part/runs/$name"
        for f in config.json metrics.csv result.json; do
            [ -f "$run/$f" ] && cp "$run/$f" "$DST/$part/runs/$name/"
        done
    done
done
SHARED=$(dirname "$ROOT")/shared/
grep -rlE "$ROOT/|$SHARED" "$DST" 2>/dev/null | while read -r f; do sed -i "s#$ROOT/#./#g; s#$SHARED#../shared/#g" "$f"; done
echo "copied into $DST"

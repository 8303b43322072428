#!/usr/bin/env bash
# The paper's other one-pass perturbations (Appendix A.6) next to SGD, SAM and MSAM, on the clean block's recipe of
# docs/study/claims.sh, seeds 1-3 (docs/RESULTS.md, "The gradient-free perturbations of Appendix A.6").
# SGD's, SAM's and MSAM's runs are those of the clean block: put back with docs/study/restore.sh and copied into
# $OUT/a6, compare --resume skips them. About 30 minutes on an idle 2-core machine.
#   DATA_DIR  folder with the CIFAR-10 binary files (default: the copy in ../shared; empty: download)
#   OUT       output folder (default runs/claims)
set -euo pipefail
DATA_DIR=${DATA_DIR-../shared/data/cifar-10-binary}
OUT=${OUT:-runs/claims}
DATA="--dataset cifar10"
if [ -n "$DATA_DIR" ]; then DATA="$DATA --data-dir $DATA_DIR --no-download"; fi
RECIPE="$DATA --model mlp --train-subset 10000 --no-augment --batch-size 128 --epochs 20 --lr 0.05 --momentum 0.9 --wd 5e-4 --warmup-epochs 1 --schedule cosine --no-progress"
# rho 1 along the descent-like directions (as MSAM's best rho here), SAM's 0.1 along the ascent-like -g
OPT=sgd,sam:rho=0.1,msam:rho=1,lastgrad:rho=1,neglastgrad:rho=0.1,randdir:rho=1,rlastgrad:rho=1,rneglastgrad:rho=0.1,rranddir:rho=1
bash docs/study/restore.sh
mkdir -p "$OUT/a6"
for f in sgd sam_rho0.1 msam_rho1; do for s in 1 2 3; do
    [ -e "$OUT/a6/$f-seed$s" ] || cp -r "$OUT/clean/$f-seed$s" "$OUT/a6/"
done; done
mvn -B -q -pl msam-examples -am package -DskipTests exec:java \
    -Dexec.args="compare $RECIPE --optimizers $OPT --seeds 3 --output $OUT/a6 --resume"
python3 docs/study/paired.py "$OUT/a6" msam:rho=1 sgd sam:rho=0.1 lastgrad:rho=1 neglastgrad:rho=0.1 randdir:rho=1 \
    rlastgrad:rho=1 rneglastgrad:rho=0.1 rranddir:rho=1 > "$OUT/a6/paired.md"

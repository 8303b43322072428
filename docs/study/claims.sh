#!/usr/bin/env bash
# The second CIFAR-10 study of docs/RESULTS.md: enough seeds to decide claim 2a, the same with noisy labels, and the
# loss landscape (Hessian top eigenvalues, feature rank, sharpness curves) of the trained models.
# Run from the repository root; rerunning resumes or skips finished runs. Blocks (BLOCKS, default "1 2 3 4"):
#   1  SGD, NAG, SAM (rho 0.1) and MSAM (rho 1), seeds 1-10, clean labels           (about 100 min on 2 cores)
#   2  the same four, seeds 1-5, 30 % of the training labels replaced                (about 50 min)
#   3  top-5 Hessian eigenvalues and feature rank of SGD, SAM, MSAM, seeds 1-3       (block 1's models, trained
#      first if absent: blocks "3 4 1 2" give the landscape before the last seeds)
#   4  sharpness along the gradient, the momentum and random directions, same models
# The finished runs committed in docs/study/claims/ (their results, not their checkpoints) are put back with
# docs/study/restore.sh, after which compare --resume skips them and only the runs still missing are trained.
#   DATA_DIR  folder with the CIFAR-10 binary files (default: the copy in ../shared; empty: download)
#   OUT       output folder (default runs/claims)
set -euo pipefail
DATA_DIR=${DATA_DIR-../shared/data/cifar-10-binary}
OUT=${OUT:-runs/claims}
BLOCKS=${BLOCKS:-1 2 3 4}
DATA="--dataset cifar10"
if [ -n "$DATA_DIR" ]; then DATA="$DATA --data-dir $DATA_DIR --no-download"; fi
# the recipe of docs/study/cifar10-mlp.sh, unchanged
RECIPE="$DATA --model mlp --train-subset 10000 --no-augment --batch-size 128 --epochs 20 --lr 0.05 --momentum 0.9 --wd 5e-4 --warmup-epochs 1 --schedule cosine --no-progress"
FOUR=sgd,nag,sam:rho=0.1,msam:rho=1
# the models measured in blocks 3 and 4 (run folders of block 1)
MODELS=""
for f in sgd sam_rho0.1 msam_rho1; do for s in 1 2 3; do MODELS="$MODELS $OUT/clean/$f-seed$s"; done; done

run() {
    mvn -B -q -pl msam-examples -am package -DskipTests exec:java -Dexec.args="$*"
}

for block in $BLOCKS; do
    case $block in
    1)  # five seeds first, so that a first table exists early; then seeds 6-10 (the first five are skipped)
        run compare $RECIPE --optimizers $FOUR --seeds 5 --output "$OUT/clean" --resume
        run compare $RECIPE --optimizers $FOUR --seeds 10 --output "$OUT/clean" --resume
        python3 docs/study/paired.py "$OUT/clean" ${FOUR//,/ } > "$OUT/clean/paired.md"
        python3 docs/study/paired.py "$OUT/clean" nag msam:rho=1 sam:rho=0.1 >> "$OUT/clean/paired.md"
        python3 docs/study/paired.py "$OUT/clean" msam:rho=1 sam:rho=0.1 >> "$OUT/clean/paired.md" ;;
    2)  run compare $RECIPE --label-noise 0.3 --optimizers $FOUR --seeds 5 --output "$OUT/noisy30" --resume
        python3 docs/study/paired.py "$OUT/noisy30" ${FOUR//,/ } > "$OUT/noisy30/paired.md"
        python3 docs/study/paired.py "$OUT/noisy30" nag msam:rho=1 sam:rho=0.1 >> "$OUT/noisy30/paired.md"
        python3 docs/study/paired.py "$OUT/noisy30" msam:rho=1 sam:rho=0.1 >> "$OUT/noisy30/paired.md" ;;
    3)  run compare $RECIPE --optimizers $FOUR --seeds 3 --output "$OUT/clean" --resume
        # on 2,000 training images (class-balanced), at the true weights, in double precision
        run analyze $MODELS --data-dir "$DATA_DIR" --no-download --train-subset 2000 --batch-size 500 --hessian 5 \
            --directions none --feature-rank fc2 --no-progress --output "$OUT/hessian" ;;
    4)  run compare $RECIPE --optimizers $FOUR --seeds 3 --output "$OUT/clean" --resume
        run analyze $MODELS --data-dir "$DATA_DIR" --no-download --train-subset 2000 --batch-size 500 \
            --directions gradient,momentum,random --radii -1,-0.75,-0.5,-0.25,-0.1,0,0.1,0.25,0.5,0.75,1 \
            --no-progress --output "$OUT/sharpness" ;;
    *)  echo "unknown block $block" >&2; exit 2 ;;
    esac
done

#!/usr/bin/env bash
# The CIFAR-10 study of docs/RESULTS.md: an MLP on 10,000 CIFAR-10 training images, 20 epochs, 3 seeds per row.
# Run from the repository root. About 2.5 hours on a 2-core CPU; rerunning resumes or skips finished runs.
#   DATA_DIR  folder with the CIFAR-10 binary files (default: the copy in ../shared; set it empty to download the
#             official files into ~/.msam/data instead)
#   OUT       output folder (default runs/cifar10-mlp)
set -euo pipefail
DATA_DIR=${DATA_DIR-../shared/data/cifar-10-binary}
OUT=${OUT:-runs/cifar10-mlp}
DATA="--dataset cifar10"
if [ -n "$DATA_DIR" ]; then DATA="$DATA --data-dir $DATA_DIR --no-download"; fi
RECIPE="$DATA --model mlp --train-subset 10000 --no-augment --batch-size 128 --epochs 20 --lr 0.05 --momentum 0.9 --wd 5e-4 --warmup-epochs 1 --schedule cosine --no-progress"
# the grids, then MSAM with rho < 0, SAM at half the epochs (MSAM's cost), and SGD and MSAM at 10 epochs
ALL=sgd,nag,msam:rho=0.3,msam:rho=1,msam:rho=3,msam:rho=-1,sam:rho=0.05,sam:rho=0.1,sam:rho=0.2,sam:rho=0.1:epochs=10,sgd:epochs=10,msam:rho=1:epochs=10
SELECTED=sgd,nag,msam:rho=1,msam:rho=-1,sam:rho=0.1,sam:rho=0.1:epochs=10

run() {
    mvn -B -q -pl msam-examples -am package -DskipTests exec:java -Dexec.args="$*"
}

# every row, seeds 1-3: compare.md / compare.csv (test accuracy mean ± std, time relative to SGD), accuracy.png, loss.png
run compare $RECIPE --optimizers $ALL --seeds 3 --output "$OUT" --resume
# the same table and plots for the selected rows only, from the same runs (linked, not retrained)
mkdir -p "$OUT/selected"
for label in ${SELECTED//,/ }; do
    folder=$(echo "$label" | sed 's/:/_/g; s/=//g')
    for seed in 1 2 3; do ln -sfn "$(cd "$OUT" && pwd)/$folder-seed$seed" "$OUT/selected/$folder-seed$seed"; done
done
run compare $RECIPE --optimizers $SELECTED --seeds 3 --output "$OUT/selected" --resume
# cos(momentum, new gradient) and the loss at θ and θ̃ every 10 iterations (the paper's Fig. 2C and A.12)
RESUME=""
if [ -f "$OUT/diagnostics/checkpoint.zip" ]; then RESUME=--resume; fi
run train $RECIPE --optimizer msam --rho 1 --seed 1 --diagnostics 10 --output "$OUT/diagnostics" $RESUME
# seed-by-seed differences to SGD
python3 docs/study/paired.py "$OUT" ${ALL//,/ }

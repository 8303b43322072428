#!/usr/bin/env bash
# The convolutional block of docs/RESULTS.md: SGD, NAG, SAM (rho 0.1) and MSAM (rho 1, the MLP study's, and 0.3, the
# small CNN's) on WRN-16-1 (the native-op layers), the CIFAR-10 subset of the MLP study, seeds in order (every
# finished seed gives a complete paired table).
# Rerunning resumes or skips finished runs. About 14 minutes per seed on an idle 2-core machine (one thread; 35 before
# batch normalisation ran in Java). The
# committed seed 4 (docs/study/claims/conv) was trained with train ... --seed 4, run by run, beside seeds 1-2; seed 6
# with this script's compare command and --seeds 6 --resume; seeds 7-10 with SEEDS=10 after the Java batch normalisation.
#   DATA_DIR  folder with the CIFAR-10 binary files (default: the copy in ../shared; empty: download)
#   OUT       output folder (default runs/claims)
#   SEEDS     the last seed to train (default 10)
set -euo pipefail
DATA_DIR=${DATA_DIR-../shared/data/cifar-10-binary}
OUT=${OUT:-runs/claims}
SEEDS=${SEEDS:-10}
DATA="--dataset cifar10"
if [ -n "$DATA_DIR" ]; then DATA="$DATA --data-dir $DATA_DIR --no-download"; fi
# the MLP study's subset, schedule and optimizer settings; WRN-16-1 with the standard crop-and-flip augmentation,
# 5 epochs
RECIPE="$DATA --model wrn-16-1 --train-subset 10000 --batch-size 128 --epochs 5 --lr 0.05 --momentum 0.9 --wd 5e-4 --warmup-epochs 1 --schedule cosine --no-progress"
FIVE=sgd,nag,sam:rho=0.1,msam:rho=1,msam:rho=0.3
mvn -B -q -pl msam-examples -am package -DskipTests
# one thread: a second busy JVM on a 2-core machine stalls OpenMP's and oneDNN's thread teams
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
CP="msam-examples/target/msam-examples-0.1.0-SNAPSHOT.jar:msam-examples/target/lib/*"
for s in $(seq 1 "$SEEDS"); do
    java -cp "$CP" org.msam.examples.Main compare $RECIPE --optimizers $FIVE --seeds "$s" --output "$OUT/conv" --resume
    python3 docs/study/paired.py "$OUT/conv" ${FIVE//,/ } > "$OUT/conv/paired.md"
done
python3 docs/study/paired.py "$OUT/conv" msam:rho=0.3 sgd nag sam:rho=0.1 msam:rho=1 >> "$OUT/conv/paired.md"
python3 docs/study/paired.py "$OUT/conv" msam:rho=1 sam:rho=0.1 >> "$OUT/conv/paired.md"

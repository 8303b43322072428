package org.msam.examples.models;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The Vision Transformer's layers in plain Java, one example at a time, written from the formulas of their javadoc
 * (and of timm's {@code PatchEmbed}, {@code Attention}, {@code Mlp} and PyTorch's {@code LayerNorm} and
 * {@code GELU}), independently of ND4J. Tokens are {@code double[tokens][features]}; matrices {@code [in][out]}
 * ({@code y = x·W + b}).
 */
final class VitReference {
    private VitReference() {
    }

    /** Hand count of our ViT: no class token, T position rows, biases on every projection, final LayerNorm. */
    static long parameters(long channels, long height, long width, int patch, long dim, int depth, long mlp,
            long classes) {
        long tokens = (height / patch) * (width / patch);
        long patchEmbedding = channels * patch * patch * dim + dim;
        long positions = tokens * dim;
        long layerNorm = 2 * dim;
        long attention = dim * 3 * dim + 3 * dim + dim * dim + dim;
        long mlpBlock = dim * mlp + mlp + mlp * dim + dim;
        long block = layerNorm + attention + layerNorm + mlpBlock;
        long head = dim * classes + classes;
        return patchEmbedding + positions + depth * block + layerNorm + head;
    }

    static double[][] matrix(INDArray a) {
        return a.toDoubleMatrix();
    }

    static double[] vector(INDArray a) {
        return a.reshape(a.length()).toDoubleVector();
    }

    /** One example {@code [c][H][W]} of an NCHW batch. */
    static double[][][] image(INDArray batch, int n) {
        int c = (int) batch.size(1);
        double[][][] img = new double[c][][];
        for (int ch = 0; ch < c; ch++) {
            img[ch] = batch.slice(n).slice(ch).toDoubleMatrix();
        }
        return img;
    }

    /** One example {@code [T][D]} of an NWC batch. */
    static double[][] tokens(INDArray batch, int n) {
        return batch.slice(n).toDoubleMatrix();
    }

    /** Patches in row-major order, each flattened as (channel, row, column), projected by W and b. */
    static double[][] patchEmbedding(double[][][] img, int p, double[][] w, double[] b) {
        int c = img.length;
        int gh = img[0].length / p;
        int gw = img[0][0].length / p;
        double[][] out = new double[gh * gw][];
        for (int gi = 0; gi < gh; gi++) {
            for (int gj = 0; gj < gw; gj++) {
                double[] patch = new double[c * p * p];
                for (int ch = 0; ch < c; ch++) {
                    for (int i = 0; i < p; i++) {
                        for (int j = 0; j < p; j++) {
                            patch[(ch * p + i) * p + j] = img[ch][gi * p + i][gj * p + j];
                        }
                    }
                }
                out[gi * gw + gj] = affine(patch, w, b);
            }
        }
        return out;
    }

    static double[][] add(double[][] x, double[][] y) {
        double[][] out = new double[x.length][x[0].length];
        for (int t = 0; t < x.length; t++) {
            for (int d = 0; d < x[0].length; d++) {
                out[t][d] = x[t][d] + y[t][d];
            }
        }
        return out;
    }

    /** PyTorch's LayerNorm over the last axis: biased variance, ε inside the square root. */
    static double[][] layerNorm(double[][] x, double[] gamma, double[] beta, double eps) {
        double[][] out = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            out[t] = layerNorm(x[t], gamma, beta, eps);
        }
        return out;
    }

    static double[] layerNorm(double[] x, double[] gamma, double[] beta, double eps) {
        double mean = 0;
        for (double v : x) {
            mean += v;
        }
        mean /= x.length;
        double var = 0;
        for (double v : x) {
            var += (v - mean) * (v - mean);
        }
        var /= x.length;
        double[] out = new double[x.length];
        for (int d = 0; d < x.length; d++) {
            out[d] = (x[d] - mean) / Math.sqrt(var + eps) * gamma[d] + beta[d];
        }
        return out;
    }

    /** timm's Attention: qkv = x·Wqkv + b, columns (q | k | v), head h at columns h·d … (h+1)·d of each. */
    static double[][] attention(double[][] x, int heads, double[][] wqkv, double[] bqkv, double[][] wout,
            double[] bout) {
        int tokens = x.length;
        int dim = x[0].length;
        int d = dim / heads;
        double[][] qkv = new double[tokens][];
        for (int t = 0; t < tokens; t++) {
            qkv[t] = affine(x[t], wqkv, bqkv);
        }
        double[][] concat = new double[tokens][dim];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < tokens; i++) {
                double[] scores = new double[tokens];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < tokens; j++) {
                    double s = 0;
                    for (int e = 0; e < d; e++) {
                        s += qkv[i][h * d + e] * qkv[j][dim + h * d + e];
                    }
                    scores[j] = s / Math.sqrt(d);
                    max = Math.max(max, scores[j]);
                }
                double sum = 0;
                for (int j = 0; j < tokens; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int e = 0; e < d; e++) {
                    double o = 0;
                    for (int j = 0; j < tokens; j++) {
                        o += scores[j] / sum * qkv[j][2 * dim + h * d + e];
                    }
                    concat[i][h * d + e] = o;
                }
            }
        }
        double[][] out = new double[tokens][];
        for (int t = 0; t < tokens; t++) {
            out[t] = affine(concat[t], wout, bout);
        }
        return out;
    }

    /** timm's Mlp with PyTorch's exact GELU. */
    static double[][] mlp(double[][] x, double[][] w1, double[] b1, double[][] w2, double[] b2) {
        double[][] out = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            double[] h = affine(x[t], w1, b1);
            for (int i = 0; i < h.length; i++) {
                h[i] = gelu(h[i]);
            }
            out[t] = affine(h, w2, b2);
        }
        return out;
    }

    static double[] meanOverTokens(double[][] x) {
        double[] out = new double[x[0].length];
        for (double[] token : x) {
            for (int d = 0; d < out.length; d++) {
                out[d] += token[d] / x.length;
            }
        }
        return out;
    }

    static double[] softmax(double[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] out = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            out[i] = Math.exp(z[i] - max);
            sum += out[i];
        }
        for (int i = 0; i < z.length; i++) {
            out[i] /= sum;
        }
        return out;
    }

    static double[] affine(double[] x, double[][] w, double[] b) {
        double[] out = b.clone();
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < out.length; j++) {
                out[j] += x[i] * w[i][j];
            }
        }
        return out;
    }

    /** GELU(z) = z/2 · (1 + erf(z/√2)). */
    static double gelu(double z) {
        return 0.5 * z * (1 + erf(z / Math.sqrt(2)));
    }

    /** erf by composite Simpson integration of 2/√π·exp(−t²) with 4096 intervals (error far below 1e-12 here). */
    static double erf(double x) {
        int n = 4096;
        double h = x / n;
        double sum = 1 + Math.exp(-x * x);
        for (int i = 1; i < n; i++) {
            double t = i * h;
            sum += (i % 2 == 1 ? 4 : 2) * Math.exp(-t * t);
        }
        return sum * h / 3 * 2 / Math.sqrt(Math.PI);
    }
}

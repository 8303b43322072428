package org.msam.rules;

import java.util.Locale;

/**
 * The valid values of a {@link Hyperparameter}, in words ({@code [0, 1)}, {@code >= 0}, {@code finite}), for help
 * texts and messages. The check itself is the rule configuration's builder's: a value is valid when the builder accepts
 * it ({@link RuleSpec#problem}); {@code RulesTest} checks that the words describe what the builder accepts.
 */
public final class Range {
    private final double lower;
    private final boolean lowerInclusive;
    private final double upper;
    private final boolean upperInclusive;

    private Range(double lower, boolean lowerInclusive, double upper, boolean upperInclusive) {
        this.lower = lower;
        this.lowerInclusive = lowerInclusive;
        this.upper = upper;
        this.upperInclusive = upperInclusive;
    }

    /** @return every finite value */
    public static Range finite() {
        return new Range(Double.NEGATIVE_INFINITY, false, Double.POSITIVE_INFINITY, false);
    }

    /** @param lower the least value @return the finite values &ge; lower */
    public static Range atLeast(double lower) {
        return new Range(lower, true, Double.POSITIVE_INFINITY, false);
    }

    /** @param lower the bound @return the finite values &gt; lower */
    public static Range above(double lower) {
        return new Range(lower, false, Double.POSITIVE_INFINITY, false);
    }

    /**
     * @param lower          the lower bound
     * @param lowerInclusive whether it is valid
     * @param upper          the upper bound
     * @param upperInclusive whether it is valid
     * @return the interval
     */
    public static Range between(double lower, boolean lowerInclusive, double upper, boolean upperInclusive) {
        return new Range(lower, lowerInclusive, upper, upperInclusive);
    }

    /** @return the least valid value or the open lower bound (−∞ for none) */
    public double lower() {
        return lower;
    }

    /** @return whether {@link #lower()} is valid */
    public boolean lowerInclusive() {
        return lowerInclusive;
    }

    /** @return the greatest valid value or the open upper bound (+∞ for none) */
    public double upper() {
        return upper;
    }

    /** @return whether {@link #upper()} is valid */
    public boolean upperInclusive() {
        return upperInclusive;
    }

    /** @param v a value @return whether it lies in the range (as the words say; the builder decides) */
    public boolean contains(double v) {
        boolean lo = lowerInclusive ? v >= lower : v > lower;
        boolean hi = upperInclusive ? v <= upper : v < upper;
        return Double.isFinite(v) && lo && hi;
    }

    /** @return the range in words: {@code finite}, {@code >= 0}, {@code > 0}, {@code in [0, 1)}, {@code in (0, 1]} */
    @Override
    public String toString() {
        boolean noLower = lower == Double.NEGATIVE_INFINITY;
        boolean noUpper = upper == Double.POSITIVE_INFINITY;
        if (noLower && noUpper) {
            return "finite";
        }
        if (noUpper) {
            return (lowerInclusive ? ">= " : "> ") + number(lower);
        }
        if (noLower) {
            return (upperInclusive ? "<= " : "< ") + number(upper);
        }
        return "in " + (lowerInclusive ? "[" : "(") + number(lower) + ", " + number(upper) + (upperInclusive ? "]" : ")");
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.format(Locale.ROOT, "%s", v);
    }
}

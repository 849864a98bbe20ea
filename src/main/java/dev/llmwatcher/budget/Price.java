package dev.llmwatcher.budget;

/**
 * What a token costs against the budget: a direct call's tokens in full, a Batch API answer's at half, the price it
 * is billed at. Fractions round up, so the budget never counts less than was billed.
 */
public enum Price {
    DIRECT(1, 1),
    BATCH(1, 2);

    private final long numerator;
    private final long denominator;

    Price(long numerator, long denominator) {
        this.numerator = numerator;
        this.denominator = denominator;
    }

    /** The budget tokens {@code tokens} billed tokens cost. */
    public long charge(long tokens) {
        return Math.ceilDiv(Math.multiplyExact(tokens, numerator), denominator);
    }
}

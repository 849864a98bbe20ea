package dev.llmwatcher.budget;

import java.time.LocalDate;

/**
 * A model's spend on one UTC day, as the ledger has it.
 *
 * @param spent       tokens settled (real usage; batch tokens at the batch price)
 * @param held        tokens set aside by live leases: calls in flight and drainers' unused chunks
 * @param holders     live leases
 * @param lastLimit   the budget the last exchange was made under (for an operator without the configuration)
 * @param refusedNeed the smallest call estimate refused today for want of budget; 0 when none was
 */
public record DaySpend(String model, LocalDate day, long spent, long held, int holders, long lastLimit,
                       long refusedNeed) {

    public static DaySpend none(String model, LocalDate day) {
        return new DaySpend(model, day, 0, 0, 0, 0, 0);
    }

    /** Tokens neither spent nor held, under {@code limit}; negative once the spend went past it. */
    public long remaining(long limit) {
        return limit - spent - held;
    }

    /**
     * True when no call fits under {@code limit} any more: nothing is left, or less than the smallest call a drainer
     * was refused today. A raised budget leaves more than that, and the model is no longer spent.
     */
    public boolean exhausted(long limit) {
        long remaining = remaining(limit);
        return remaining <= 0 || refusedNeed > 0 && remaining < refusedNeed;
    }
}

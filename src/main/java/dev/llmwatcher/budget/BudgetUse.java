package dev.llmwatcher.budget;

/**
 * One model's budget as a pass left it, for the run report, the metrics and the log.
 *
 * @param limit          the model's daily budget
 * @param spentToday     tokens the ledger counts as spent today, all drainers together
 * @param heldToday      tokens live leases hold today (calls in flight elsewhere, other drainers' chunks)
 * @param spentThisPass  tokens this pass's calls (and settled batch answers) cost against the budget
 * @param exhausted      no call fits any more today: documents of the model wait
 */
public record BudgetUse(String model, long limit, long spentToday, long heldToday, long spentThisPass,
                        boolean exhausted) {

    /** Tokens still free today, never below 0. */
    public long remaining() {
        return Math.max(0, limit - spentToday - heldToday);
    }

    /** Spent or held today: what the budget is used up by. */
    public long used() {
        return spentToday + heldToday;
    }
}

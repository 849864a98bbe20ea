package dev.llmwatcher.config;

import dev.llmwatcher.budget.DailyLimits;

/**
 * The daily token budgets and the index that keeps their spend, shared by every drainer of the cluster.
 *
 * @param limits tokens per UTC day per model; {@link DailyLimits#NONE} for no limit at all
 * @param index  the ledger's index
 */
public record BudgetSettings(DailyLimits limits, String index) {

    public static final BudgetSettings NONE = new BudgetSettings(DailyLimits.NONE, "llm-watcher-token-budget");

    /** True when any model has a budget. */
    public boolean enabled() {
        return limits.any();
    }
}

package dev.llmwatcher.engine;

import dev.llmwatcher.budget.BudgetUse;

/**
 * A model's daily token budget as a pass left it, and how many of its documents wait for budget (eligible but not
 * taken because the budget is spent; 0 when it is not).
 */
public record ModelBudget(BudgetUse use, long waitingDocuments) {

    public String model() {
        return use.model();
    }

    /** The budget is spent and documents wait for it: what the log line, the metric and the alarm speak of. */
    public boolean blocksDocuments() {
        return use.exhausted() && waitingDocuments > 0;
    }
}

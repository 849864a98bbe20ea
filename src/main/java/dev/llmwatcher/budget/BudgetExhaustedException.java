package dev.llmwatcher.budget;

/**
 * No budget is left for a call (or a batch submission): the model's daily budget is spent, or held by other
 * drainers' calls in flight, or the ledger could not be reached to hold any. Nothing is wrong with the document; it
 * waits.
 */
public class BudgetExhaustedException extends Exception {

    public BudgetExhaustedException(String message) {
        super(message, null, false, false);
    }

    public BudgetExhaustedException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}

package dev.llmwatcher.budget;

/** The ledger could not be read or written (unreachable, refusing, conflicting without end). */
public class LedgerUnavailableException extends RuntimeException {

    public LedgerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}

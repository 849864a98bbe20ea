package dev.llmwatcher.queue;

/**
 * The queue store cannot be used at all: Elasticsearch is unreachable, refuses the credentials, or answers with an
 * error for the whole request. A run stops on it; no document is lost, since nothing was deleted.
 */
public class QueueUnavailableException extends RuntimeException {

    private final boolean authenticationFailure;

    public QueueUnavailableException(String message, boolean authenticationFailure, Throwable cause) {
        super(message, cause);
        this.authenticationFailure = authenticationFailure;
    }

    public QueueUnavailableException(String message, Throwable cause) {
        this(message, false, cause);
    }

    /** True for 401/403: credentials may have rotated, so a caller holding a secret may refresh it and retry. */
    public boolean isAuthenticationFailure() {
        return authenticationFailure;
    }
}

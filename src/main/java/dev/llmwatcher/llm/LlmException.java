package dev.llmwatcher.llm;

import java.time.Duration;
import java.util.Optional;

/**
 * A failed LLM call, typed so the engine can tell a slow provider from a broken document. Messages never contain
 * credentials; bodies are truncated.
 */
public class LlmException extends Exception {

    /**
     * Why the call failed. {@code AUTHENTICATION} means the credentials themselves were refused (every call would
     * fail, so the pass stops); {@code ACCESS_DENIED} means valid credentials may not use this model (another
     * document's model may be fine, so only the document fails). {@code BUDGET_EXHAUSTED} means a token budget is
     * spent: a gateway's in front of the provider (LiteLLM's {@code budget_exceeded}) or the watcher's own daily
     * budget; nothing is wrong with the document, which waits.
     */
    public enum Kind {
        CONNECTION, TIMEOUT, SERVER_ERROR, RATE_LIMITED, QUOTA_EXHAUSTED, AUTHENTICATION, ACCESS_DENIED,
        MODEL_NOT_FOUND, BAD_REQUEST, TRUNCATED, REFUSED, MALFORMED_RESPONSE, INTERRUPTED, BUDGET_EXHAUSTED
    }

    private final Kind kind;
    private final int status;
    private final Duration retryAfter;

    public LlmException(Kind kind, String message, int status, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.status = status;
        this.retryAfter = retryAfter;
    }

    public LlmException(Kind kind, String message) {
        this(kind, message, 0, null, null);
    }

    public Kind kind() {
        return kind;
    }

    /** HTTP status, or 0 when there was no HTTP answer. */
    public int status() {
        return status;
    }

    /** The provider's {@code Retry-After}, when it sent one. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}

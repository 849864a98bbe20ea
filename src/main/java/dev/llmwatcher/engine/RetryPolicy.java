package dev.llmwatcher.engine;

import java.time.Duration;
import java.time.Instant;

/**
 * When a failed document may be tried again: the wait doubles with each attempt up to {@code maxBackoff}, and after
 * {@code maxAttempts} the document is parked, so a broken document costs a bounded number of LLM calls.
 */
public record RetryPolicy(int maxAttempts, Duration firstBackoff, Duration maxBackoff) {

    public boolean parks(int attempts) {
        return attempts >= maxAttempts;
    }

    public Instant nextAttempt(int attempts, Instant now) {
        int doublings = Math.max(0, Math.min(attempts - 1, 30));
        Duration wait = firstBackoff.multipliedBy(1L << doublings);
        return now.plus(wait.compareTo(maxBackoff) > 0 || wait.isNegative() ? maxBackoff : wait);
    }
}

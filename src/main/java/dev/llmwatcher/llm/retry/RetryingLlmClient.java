package dev.llmwatcher.llm.retry;

import dev.llmwatcher.llm.LlmAnswer;
import dev.llmwatcher.llm.LlmClient;
import dev.llmwatcher.llm.LlmException;
import dev.llmwatcher.llm.LlmRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * Retries the failures that a later attempt can fix (rate limits, 5xx, dropped connections, timeouts) with
 * exponential backoff and full jitter, all inside the request's own {@code timeout}: it never sleeps past that
 * budget and throws the last error once it is spent. Rate limits are retried for as long as the budget lasts (the
 * run slows down rather than failing documents), other retryable failures at most {@link Policy#maxAttempts()}
 * times. Everything else (bad model, bad key, refusal, truncation, ...) is thrown at once.
 *
 * <p>A 429 is also a signal for every caller of the provider. Without {@code Retry-After} it says too many calls are
 * in flight: it lowers the provider's {@link ConcurrencyLimit}, which every attempt goes through, so a provider that
 * caps concurrent requests below the configured concurrency is driven at its cap. With {@code Retry-After} it says
 * when to come back: it closes the provider's {@link RateLimitGate} for that long, and nobody calls before then.
 */
public final class RetryingLlmClient implements LlmClient {

    private static final Set<LlmException.Kind> RETRYABLE = EnumSet.of(LlmException.Kind.RATE_LIMITED,
            LlmException.Kind.SERVER_ERROR, LlmException.Kind.CONNECTION, LlmException.Kind.TIMEOUT);

    /** Waits; tests pass one that advances a fake clock. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    /**
     * @param maxAttempts   attempts in all, the first included, for failures other than rate limits
     * @param baseDelay     the backoff ceiling of the first retry; it doubles per retry up to {@code maxDelay}
     * @param maxRetryAfter the longest {@code Retry-After} honoured; longer ones are capped to it
     */
    public record Policy(int maxAttempts, Duration baseDelay, Duration maxDelay, Duration maxRetryAfter) {

        public static final Policy DEFAULT =
                new Policy(6, Duration.ofMillis(250), Duration.ofSeconds(10), Duration.ofSeconds(60));

        public Policy {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
            }
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(RetryingLlmClient.class);

    private final LlmClient delegate;
    private final Policy policy;
    private final RateLimitGate gate;
    private final ConcurrencyLimit limit;
    /** Whether the first cut of {@link #limit} was reported (later ones go to debug). */
    private final AtomicBoolean limitReported = new AtomicBoolean();
    private final LongSupplier nanoTime;
    private final Sleeper sleeper;
    private final RandomGenerator random;

    public RetryingLlmClient(LlmClient delegate, Policy policy, RateLimitGate gate, ConcurrencyLimit limit,
                             LongSupplier nanoTime, Sleeper sleeper, RandomGenerator random) {
        this.delegate = delegate;
        this.policy = policy;
        this.gate = gate;
        this.limit = limit;
        this.nanoTime = nanoTime;
        this.sleeper = sleeper;
        this.random = random;
    }

    /** Real time, a fresh gate and concurrency limit, default policy. */
    public static RetryingLlmClient wrap(LlmClient delegate) {
        return new RetryingLlmClient(delegate, Policy.DEFAULT, new RateLimitGate(), new ConcurrencyLimit(),
                System::nanoTime, duration -> Thread.sleep(duration), new Random());
    }

    @Override
    public LlmAnswer complete(LlmRequest request) throws LlmException {
        long started = nanoTime.getAsLong();
        long deadline = started + request.timeout().toNanos();
        LlmException last = null;
        for (int attempt = 1; ; attempt++) {
            waitForGate(deadline, last);
            try {
                LlmAnswer answer = attemptUnderLimit(request, deadline, last);
                Duration latency = Duration.ofNanos(nanoTime.getAsLong() - started);
                return new LlmAnswer(answer.text(), answer.usage(), answer.finishReason(), latency,
                        answer.providerLatency());
            } catch (LlmException e) {
                last = e;
                if (!RETRYABLE.contains(e.kind()) || attempt >= policy.maxAttempts()
                        && e.kind() != LlmException.Kind.RATE_LIMITED) {
                    throw e;
                }
                Duration wait = delayAfter(e, attempt);
                if (e.kind() == LlmException.Kind.RATE_LIMITED && e.retryAfter().isPresent()) {
                    gate.slowDown(wait);
                }
                if (nanoTime.getAsLong() + wait.toNanos() - deadline >= 0) {
                    throw e;
                }
                sleep(wait, e);
            }
        }
    }

    /** One attempt, once the provider's concurrency limit has room; a 429 to it lowers the limit. */
    private LlmAnswer attemptUnderLimit(LlmRequest request, long deadline, LlmException last) throws LlmException {
        ConcurrencyLimit.Permit permit = permit(deadline, last);
        Duration left = Duration.ofNanos(deadline - nanoTime.getAsLong());
        if (!left.isPositive()) {
            limit.release(permit, false);
            throw last != null ? last : budgetSpent(request);
        }
        LlmException failure = null;
        try {
            return delegate.complete(request.withTimeout(left));
        } catch (LlmException e) {
            failure = e;
            throw e;
        } finally {
            if (limit.release(permit, saysTooMany(failure))) {
                reportCut(failure);
            }
        }
    }

    /**
     * A 429 without {@code Retry-After} says too many calls are in flight. One with it says when to come back: the
     * gate holds every caller until then, and a lower limit on top would only slow the run down for long after.
     */
    private static boolean saysTooMany(LlmException failure) {
        return failure != null && failure.kind() == LlmException.Kind.RATE_LIMITED && failure.retryAfter().isEmpty();
    }

    /**
     * Says once, as a warning, that the provider limits concurrent calls below the configured concurrency (the
     * operator may want to lower it and save the 429s); later adjustments only at debug level.
     */
    private void reportCut(LlmException e) {
        if (limitReported.compareAndSet(false, true)) {
            LOG.warn("{}: calling this provider at most {} at once from now on, adapting as it answers (a "
                    + "--concurrency at or below its own limit avoids the 429s)", e.getMessage(), limit.current());
        } else {
            LOG.debug("{}: at most {} calls at once from now on", e.getMessage(), limit.current());
        }
    }

    private ConcurrencyLimit.Permit permit(long deadline, LlmException last) throws LlmException {
        try {
            ConcurrencyLimit.Permit permit = limit.acquire(deadline);
            if (permit == null) {
                throw last != null ? last : new LlmException(LlmException.Kind.RATE_LIMITED, "the provider's "
                        + "concurrency limit (" + limit.current() + " calls at once, learnt from its 429 answers) "
                        + "left no room within this call's time", 429, null, null);
            }
            return permit;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LlmException(LlmException.Kind.INTERRUPTED, "interrupted while waiting for room under the "
                    + "provider's concurrency limit", 0, null, last != null ? last : e);
        }
    }

    /**
     * Waits while the provider's gate is closed, plus a random share of that wait so that the held callers do not
     * all come back at the same instant and trip the limit again.
     */
    private void waitForGate(long deadline, LlmException last) throws LlmException {
        Duration closed = gate.remaining();
        if (!closed.isPositive()) {
            return;
        }
        if (nanoTime.getAsLong() + closed.toNanos() - deadline >= 0) {
            throw last != null ? last : new LlmException(LlmException.Kind.RATE_LIMITED,
                    "the provider asked to slow down for " + closed.toMillis() + " ms, longer than this call's "
                            + "remaining time", 429, closed, null);
        }
        Duration held = closed.plusMillis(random.nextLong(closed.toMillis() + 1));
        sleep(nanoTime.getAsLong() + held.toNanos() - deadline < 0 ? held : closed, last);
    }

    /** Retry-After when given (capped), else exponential backoff with full jitter. */
    Duration delayAfter(LlmException e, int attempt) {
        if (e.retryAfter().isPresent()) {
            Duration retryAfter = e.retryAfter().get();
            return retryAfter.compareTo(policy.maxRetryAfter()) > 0 ? policy.maxRetryAfter() : retryAfter;
        }
        long ceiling = policy.baseDelay().toMillis() << Math.min(attempt - 1, 20);
        ceiling = Math.min(ceiling, policy.maxDelay().toMillis());
        return Duration.ofMillis(random.nextLong(ceiling + 1));
    }

    private void sleep(Duration wait, LlmException last) throws LlmException {
        try {
            sleeper.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LlmException(LlmException.Kind.INTERRUPTED, "interrupted while waiting to retry", 0, null,
                    last != null ? last : e);
        }
    }

    private static LlmException budgetSpent(LlmRequest request) {
        return new LlmException(LlmException.Kind.TIMEOUT,
                "no time left for the call within its " + request.timeout().toMillis() + " ms budget");
    }
}

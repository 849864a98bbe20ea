package dev.llmwatcher.llm.retry;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A provider-wide "slow down" signal. When one call is told 429, every concurrent caller of the same provider holds
 * back until the same instant, so a run slows down instead of failing every in-flight document. One gate per
 * provider; thread-safe and lock-free.
 */
public final class RateLimitGate {

    private final LongSupplier nanoTime;
    private final AtomicLong closedUntilNanos;

    public RateLimitGate() {
        this(System::nanoTime);
    }

    /** @param nanoTime the time source, the same one the caller's sleeper advances (tests use a fake) */
    public RateLimitGate(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.closedUntilNanos = new AtomicLong(nanoTime.getAsLong());
    }

    /** Holds new calls for {@code wait} from now, unless already held for longer. */
    public void slowDown(Duration wait) {
        long until = nanoTime.getAsLong() + wait.toNanos();
        closedUntilNanos.accumulateAndGet(until, (current, proposed) -> current - proposed >= 0 ? current : proposed);
    }

    /** How long a new call should wait before going out; zero when the gate is open. */
    public Duration remaining() {
        long left = closedUntilNanos.get() - nanoTime.getAsLong();
        return left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
    }
}

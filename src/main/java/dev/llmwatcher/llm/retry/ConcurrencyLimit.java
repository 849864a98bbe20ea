package dev.llmwatcher.llm.retry;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * How many calls one provider takes at once, learnt from its 429 answers the way TCP learns a path's capacity
 * (additive increase, multiplicative decrease). There is no limit until the first 429 that says too many calls are in
 * flight (one without {@code Retry-After}). A 429 to a call sent under the current limit then cuts the limit to 90%
 * of the calls in flight (429s to calls sent before that cut say nothing new and are ignored), and while the limit
 * is what holds calls back, every limit's worth of answers raises it by one. A provider that caps concurrent requests
 * (a proxy, a server with N slots) is thus driven just under its cap, instead of in bursts that trip it and leave
 * every caller backing off. One per provider; thread-safe.
 */
public final class ConcurrencyLimit {

    private static final double DECREASE = 0.9;

    private final LongSupplier nanoTime;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition freed = lock.newCondition();
    private double limit = Double.POSITIVE_INFINITY;
    private int inFlight;
    /** Counts the cuts, so a 429 can tell whether its call was sent under the current limit. */
    private long epoch;

    public ConcurrencyLimit() {
        this(System::nanoTime);
    }

    /** @param nanoTime the time source the deadlines given to {@link #acquire} are on */
    public ConcurrencyLimit(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** A call's place under the limit; give it back with {@link #release} once the call has an answer. */
    public record Permit(long epoch) {
    }

    /**
     * Waits until a call may go out, at most until {@code deadlineNanos} (on this limit's clock).
     *
     * @return the permit, or null when the deadline came first
     */
    public Permit acquire(long deadlineNanos) throws InterruptedException {
        lock.lock();
        try {
            while (inFlight >= limit) {
                long left = deadlineNanos - nanoTime.getAsLong();
                if (left <= 0) {
                    return null;
                }
                freed.await(left, TimeUnit.NANOSECONDS);
            }
            inFlight++;
            return new Permit(epoch);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Gives a permit back: {@code rateLimited} when the provider answered 429.
     *
     * @return whether this lowered the limit
     */
    public boolean release(Permit permit, boolean rateLimited) {
        lock.lock();
        try {
            int withThisOne = inFlight;
            inFlight--;
            freed.signal();
            if (rateLimited && permit.epoch() == epoch) {
                limit = Math.max(1, Math.floor(Math.min(limit, withThisOne) * DECREASE));
                epoch++;
                return true;
            }
            if (!rateLimited && withThisOne >= Math.floor(limit)) {
                limit += 1 / limit;
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** The current limit, rounded down; {@link Integer#MAX_VALUE} before any 429. */
    public int current() {
        lock.lock();
        try {
            return Double.isInfinite(limit) ? Integer.MAX_VALUE : (int) limit;
        } finally {
            lock.unlock();
        }
    }
}

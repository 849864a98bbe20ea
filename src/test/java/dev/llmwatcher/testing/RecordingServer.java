package dev.llmwatcher.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * What every fake provider keeps of the requests it answers, for tests to check: the requests in arrival order
 * (unless told not to keep them, for benchmarks), how many there were, and the most in flight at once. Thread-safe.
 *
 * @param <R> a request as the fake reads it
 */
public abstract class RecordingServer<R> implements AutoCloseable {

    private final ConcurrentLinkedQueue<R> requests = new ConcurrentLinkedQueue<>();
    private final LongAdder calls = new LongAdder();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private volatile boolean keepRequests = true;

    /** A request arrived: it is in flight until {@link #decided()}. Returns how many are in flight with it. */
    protected final int arrived() {
        int current = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(current, Math::max);
        return current;
    }

    /** The answer to a request that {@link #arrived()} is decided: it is no longer in flight. */
    protected final void decided() {
        inFlight.decrementAndGet();
    }

    /** Counts a request that was read, and keeps it unless told not to. */
    protected final void received(R request) {
        calls.increment();
        if (keepRequests) {
            requests.add(request);
        }
    }

    /** Stops (or starts again) keeping requests; the counters still count. */
    protected final void keepRequests(boolean keep) {
        keepRequests = keep;
    }

    /** Forgets the counters and the kept requests. */
    protected void forget() {
        calls.reset();
        requests.clear();
        maxInFlight.set(0);
    }

    public int calls() {
        return calls.intValue();
    }

    public int maxInFlight() {
        return maxInFlight.get();
    }

    /** Kept requests in arrival order, a snapshot. */
    public List<R> requests() {
        return new ArrayList<>(requests);
    }

    public R lastRequest() {
        List<R> all = requests();
        if (all.isEmpty()) {
            throw new IllegalStateException("no request received");
        }
        return all.getLast();
    }

    @Override
    public abstract void close();
}

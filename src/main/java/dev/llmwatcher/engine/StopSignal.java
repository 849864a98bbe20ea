package dev.llmwatcher.engine;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A one-way "stop taking new documents" flag, raised by a signal handler and read by the engine, which then lets
 * in-flight calls finish within its grace period. Waiting on it doubles as the watch loop's interruptible sleep.
 */
public final class StopSignal {

    private final CountDownLatch raised = new CountDownLatch(1);
    private volatile Instant raisedAt;

    public static StopSignal never() {
        return new StopSignal();
    }

    public void raise() {
        if (raisedAt == null) {
            raisedAt = Instant.now();
        }
        raised.countDown();
    }

    public boolean isRaised() {
        return raised.getCount() == 0;
    }

    /** When the stop was asked for, if it was. */
    public Optional<Instant> raisedAt() {
        return Optional.ofNullable(raisedAt);
    }

    /** Sleeps until raised or for {@code millis}; returns true when raised. */
    public boolean await(long millis) throws InterruptedException {
        return raised.await(Math.max(0, millis), TimeUnit.MILLISECONDS);
    }
}

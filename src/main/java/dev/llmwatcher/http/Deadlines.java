package dev.llmwatcher.http;

import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Enforces each exchange's timeout by aborting its connection when the time is up: a blocking socket has no write
 * timeout and its read timeout is per read, while a request's timeout is for the whole exchange. One daemon thread,
 * started on the first exchange, and kept after {@link #close()} until the last deadline of an exchange in flight.
 */
final class Deadlines {

    private volatile ScheduledThreadPoolExecutor timer;

    /**
     * A deadline for one exchange; {@link Deadline#cancel()} it when the exchange ends, however it ends. Passing and
     * cancelling exclude each other: once {@code cancel()} has said the deadline did not pass, the timer never
     * aborts the connection, which may then go back to the pool and carry another exchange.
     */
    final class Deadline {
        private static final int PENDING = 0;
        private static final int PASSED = 1;
        private static final int CANCELLED = 2;

        private final ScheduledFuture<?> future;
        private final AtomicInteger state = new AtomicInteger(PENDING);
        private volatile Connection connection;

        private Deadline(long deadlineNanos) {
            this.future = timer().schedule(this::pass, Math.max(0, deadlineNanos - System.nanoTime()),
                    TimeUnit.NANOSECONDS);
        }

        private void pass() {
            if (state.compareAndSet(PENDING, PASSED)) {
                Connection current = connection;
                if (current != null) {
                    current.abort();
                }
            }
        }

        /** The connection to abort when the time is up (aborted at once if it already is). */
        void guard(Connection current) {
            connection = current;
            if (passed()) {
                current.abort();
            }
        }

        boolean passed() {
            return state.get() == PASSED;
        }

        /** @return whether the deadline had passed (its connection is then aborted, or about to be) */
        boolean cancel() {
            future.cancel(false);
            return !state.compareAndSet(PENDING, CANCELLED) && passed();
        }
    }

    /** @throws IOException when the client was closed in the meantime */
    Deadline start(long deadlineNanos) throws IOException {
        try {
            return new Deadline(deadlineNanos);
        } catch (RejectedExecutionException closed) {
            throw new IOException("the HTTP client is closed");
        }
    }

    private ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor current = timer;
        if (current == null) {
            synchronized (this) {
                current = timer;
                if (current == null) {
                    current = new ScheduledThreadPoolExecutor(1, runnable -> {
                        Thread thread = new Thread(runnable, "http-deadlines");
                        thread.setDaemon(true);
                        return thread;
                    });
                    current.setRemoveOnCancelPolicy(true);
                    timer = current;
                }
            }
        }
        return current;
    }

    /** Refuses new deadlines; those of exchanges in flight still pass, or an exchange could hang forever. */
    void close() {
        ScheduledThreadPoolExecutor current = timer;
        if (current != null) {
            current.shutdown();
        }
    }
}

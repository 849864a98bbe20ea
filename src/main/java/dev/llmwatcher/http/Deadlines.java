package dev.llmwatcher.http;

import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Enforces each exchange's timeout by aborting its connection when the time is up: a blocking socket has no write
 * timeout and its read timeout is per read, while a request's timeout is for the whole exchange. One daemon thread,
 * started on the first exchange.
 */
final class Deadlines {

    private volatile ScheduledThreadPoolExecutor timer;

    /** A deadline for one exchange; {@link Deadline#cancel()} it when the exchange ends, however it ends. */
    final class Deadline {
        private final ScheduledFuture<?> future;
        private volatile boolean passed;
        private volatile Connection connection;

        private Deadline(long deadlineNanos) {
            this.future = timer().schedule(this::pass, Math.max(0, deadlineNanos - System.nanoTime()),
                    TimeUnit.NANOSECONDS);
        }

        private void pass() {
            passed = true;
            Connection current = connection;
            if (current != null) {
                current.abort();
            }
        }

        /** The connection to abort when the time is up (aborted at once if it already is). */
        void guard(Connection current) {
            connection = current;
            if (passed) {
                current.abort();
            }
        }

        boolean passed() {
            return passed;
        }

        void cancel() {
            future.cancel(false);
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

    void close() {
        ScheduledThreadPoolExecutor current = timer;
        if (current != null) {
            current.shutdownNow();
        }
    }
}

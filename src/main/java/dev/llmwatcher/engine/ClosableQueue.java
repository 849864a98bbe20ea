package dev.llmwatcher.engine;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A first-in, first-out hand-off between threads that the producing side closes when it is done: a consumer
 * waiting on an empty queue then wakes at once instead of at the end of a polling interval, and learns that
 * nothing more will come.
 */
final class ClosableQueue<T> {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<T> items = new ArrayDeque<>();
    private boolean closed;

    /** Adds an item; false, and the item dropped, when the queue is already closed. */
    boolean add(T item) {
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            items.addLast(item);
            changed.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The next item, waiting as long as it takes; null once the queue is closed and empty. */
    T take() throws InterruptedException {
        lock.lock();
        try {
            while (items.isEmpty() && !closed) {
                changed.await();
            }
            return items.pollFirst();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The next item, waiting at most {@code wait}; null when none came in time or the queue is closed and empty
     * ({@link #isDrained()} tells which).
     */
    T poll(Duration wait) throws InterruptedException {
        long nanos = wait.toNanos();
        lock.lock();
        try {
            while (items.isEmpty() && !closed && nanos > 0) {
                nanos = changed.awaitNanos(nanos);
            }
            return items.pollFirst();
        } finally {
            lock.unlock();
        }
    }

    /** Moves every item queued now into {@code into}, in order; returns how many. */
    int drainTo(Collection<? super T> into) {
        lock.lock();
        try {
            int count = items.size();
            into.addAll(items);
            items.clear();
            return count;
        } finally {
            lock.unlock();
        }
    }

    /** Nothing more will be added; consumers take what is left, then get null without waiting. */
    void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** True once the queue is closed and everything in it was taken. */
    boolean isDrained() {
        lock.lock();
        try {
            return closed && items.isEmpty();
        } finally {
            lock.unlock();
        }
    }
}

package dev.llmwatcher.engine;

import java.time.Duration;
import java.util.Optional;

/**
 * Admits LLM calls: at most the configured concurrency at once, and none once the pass is ending. A document is read,
 * checked and its prompt rendered before it asks, and gives its slot back as soon as the answer is in: the slot is
 * held for the call alone, so the concurrency setting is the most requests the provider sees at once (fewer once its
 * 429 answers have taught the LLM client a lower limit: {@link dev.llmwatcher.llm.ConcurrencyLimit}), and a freed
 * slot goes to a document that is ready to send.
 */
@FunctionalInterface
public interface CallGate {

    /**
     * Waits for a free call slot. Empty when no call should start any more (the deadline is near, a stop was asked
     * for, the run is being aborted, or the thread was interrupted).
     */
    Optional<CallSlot> enter();

    /**
     * A held call slot and the timeout its call must keep (shorter than the call timeout when the pass's deadline
     * is closer: {@code cutByDeadline}). Closing it frees the slot for the next document.
     */
    record CallSlot(Duration timeout, boolean cutByDeadline, Runnable release) implements AutoCloseable {

        @Override
        public void close() {
            release.run();
        }
    }
}

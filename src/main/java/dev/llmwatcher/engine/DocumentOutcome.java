package dev.llmwatcher.engine;

import dev.llmwatcher.cache.CacheEntry;
import dev.llmwatcher.llm.TokenUsage;
import dev.llmwatcher.queue.CompletedDocument;
import dev.llmwatcher.queue.QueuedDocument;

import java.time.Duration;

/** What processing one claimed document produced; returned by its task, consumed by the write-back. */
public sealed interface DocumentOutcome {

    QueuedDocument document();

    /**
     * The LLM call this outcome paid for, if any: model, tokens, the call's whole time ({@code latency}: what the
     * pass's deadline guard needs) and the provider's own time ({@code providerLatency}: what the metrics report).
     */
    record LlmCall(String model, TokenUsage usage, Duration latency, Duration providerLatency) {
    }

    /**
     * An answer this document got without a call of its own: from the answer cache ({@code fromCache}), or by
     * sharing the call another document with the same question made in this pass. {@code tokensSaved} is what that
     * call cost, and what this document did not pay again.
     */
    record Reused(String model, boolean fromCache, TokenUsage tokensSaved) {
    }

    /**
     * The answer is merged and ready to be stored. {@code call} is null for a result set aside by an earlier pass,
     * which this pass stores without calling the LLM, and for an answer {@code reused} (null for any other). {@code
     * undeclaredFieldsDropped} counts the answer's fields that were not stored because its schema does not declare
     * them.
     */
    record Completed(CompletedDocument result, LlmCall call, Reused reused, int undeclaredFieldsDropped)
            implements DocumentOutcome {

        public Completed(CompletedDocument result, LlmCall call) {
            this(result, call, null, 0);
        }

        public Completed(CompletedDocument result, LlmCall call, Reused reused) {
            this(result, call, reused, 0);
        }

        @Override
        public QueuedDocument document() {
            return result.queued();
        }

        /** The same outcome for {@code claimed}, its document at the version a claim gave it. */
        public Completed claimedAs(QueuedDocument claimed) {
            return new Completed(result.claimedAs(claimed), call, reused, undeclaredFieldsDropped);
        }

        /** The same outcome, answered without a call of its own. */
        public Completed reusing(Reused reuse) {
            return new Completed(result, null, reuse, undeclaredFieldsDropped);
        }

        /**
         * The same outcome, carrying its answer to the answer cache; unchanged when fields were dropped from the
         * answer. Such an answer is never cached: the cache would keep what the model said (its raw text) as a good
         * answer, and a watcher that fails such answers ({@code --undeclared-fields fail}) sharing the cache would
         * then store it.
         */
        public Completed caching(CacheEntry entry) {
            return undeclaredFieldsDropped > 0 ? this
                    : new Completed(result.caching(entry), call, reused, undeclaredFieldsDropped);
        }
    }

    /**
     * The document failed; it stays in the queue with {@code error}. {@code call} is null when it failed before
     * any LLM call (a bad template, say), which cost nothing.
     */
    record Failed(QueuedDocument document, int priorAttempts, String error, LlmCall call) implements DocumentOutcome {
    }

    /**
     * Not the document's fault (credentials refused, run interrupted): its claim is released without counting an
     * attempt. {@code stopsRun} tells the engine to start no more calls, since every one would fail the same way.
     */
    record Abandoned(QueuedDocument document, String reason, boolean stopsRun) implements DocumentOutcome {
    }
}

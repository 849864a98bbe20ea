package dev.llmwatcher.engine;

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
     * which this pass stores without calling the LLM, and for an answer {@code reused} (null for any other).
     */
    record Completed(CompletedDocument result, LlmCall call, Reused reused) implements DocumentOutcome {

        public Completed(CompletedDocument result, LlmCall call) {
            this(result, call, null);
        }

        @Override
        public QueuedDocument document() {
            return result.queued();
        }

        /** The same outcome for {@code claimed}, its document at the version a claim gave it. */
        public Completed claimedAs(QueuedDocument claimed) {
            return new Completed(result.claimedAs(claimed), call, reused);
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

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
     * The answer is merged and ready to be stored. {@code call} is null for a result set aside by an earlier pass,
     * which this pass stores without calling the LLM.
     */
    record Completed(CompletedDocument result, LlmCall call) implements DocumentOutcome {
        @Override
        public QueuedDocument document() {
            return result.queued();
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

package dev.llmwatcher.config;

import java.time.Duration;
import java.util.Locale;

/**
 * The batch drain mode: whether OpenAI documents are sent through the provider's Batch API (half price, answers
 * within the completion window) instead of being called one by one.
 *
 * @param mode                {@link Mode#OFF} (the default: answers in seconds, as before), {@link Mode#AUTO} (a
 *                            batch once {@code minDocuments} OpenAI documents wait) or {@link Mode#ALWAYS}
 * @param minDocuments        the backlog of eligible OpenAI documents that makes {@code auto} submit a batch
 * @param maxRequests         requests per batch file (OpenAI: 50,000)
 * @param maxBytes            bytes per batch file (OpenAI: 200 MB)
 * @param maxDocumentsPerPass documents one pass submits at most, bounding its memory and time
 * @param completionWindow    the provider's window; a submitted document's lease covers it and {@code leaseMargin}
 * @param recoveryGrace       how long a submission without a batch id may be in flight before a pass that finds no
 *                            batch for it returns its documents to the queue: longer than a submitting pass's upload
 *                            and create requests may take (5 minutes each), so a submission still on its way is never
 *                            given back and paid for twice
 */
public record BatchSettings(Mode mode, int minDocuments, int maxRequests, long maxBytes, int maxDocumentsPerPass,
                            Duration completionWindow, Duration leaseMargin, Duration recoveryGrace) {

    public enum Mode {
        OFF, AUTO, ALWAYS;

        public static Mode parse(String value) {
            return valueOf(value.strip().toUpperCase(Locale.ROOT));
        }
    }

    public static final BatchSettings OFF = defaults(Mode.OFF, 1000);

    /** OpenAI's limits and window, the given mode and threshold. */
    public static BatchSettings defaults(Mode mode, int minDocuments) {
        return new BatchSettings(mode, minDocuments, 50_000, 200L * 1024 * 1024, 50_000, Duration.ofHours(24),
                Duration.ofHours(1), Duration.ofMinutes(20));
    }

    public BatchSettings withLimits(int requests, long bytes) {
        return new BatchSettings(mode, minDocuments, requests, bytes, maxDocumentsPerPass, completionWindow,
                leaseMargin, recoveryGrace);
    }

    public boolean enabled() {
        return mode != Mode.OFF;
    }
}

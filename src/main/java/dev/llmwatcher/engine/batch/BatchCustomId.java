package dev.llmwatcher.engine.batch;

import java.util.Optional;

/**
 * A batch line's {@code custom_id}: the submission (which names the claim the document is under) and the queue
 * document's id, so an answer finds its document and an answer from another submission is never taken for it.
 */
record BatchCustomId(String submission, String documentId) {

    private static final char SEPARATOR = ':';

    static String of(String submission, String documentId) {
        return submission + SEPARATOR + documentId;
    }

    /** Submission ids never hold the separator; document ids may, so only the first one splits. */
    static Optional<BatchCustomId> parse(String customId) {
        int at = customId.indexOf(SEPARATOR);
        return at <= 0 ? Optional.empty()
                : Optional.of(new BatchCustomId(customId.substring(0, at), customId.substring(at + 1)));
    }
}

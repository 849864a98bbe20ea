package dev.llmwatcher.queue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The version of a source document that {@code enqueue --from} queued, kept on the queue document
 * ({@code _llm_watcher.source_seq_no}, {@code source_primary_term}) so its result is written back only over that
 * version and never over a newer write of the application. Documents the ingest pipeline queued carry none.
 */
public record SourceVersion(long seqNo, long primaryTerm) {

    /** What a queue document keeps when it is queued again at a newer version: instructions, not bookkeeping. */
    private static final Set<String> KEPT = Set.of(QueueFields.PROVIDER, QueueFields.MODEL, QueueFields.PROMPT,
            QueueFields.FORMAT, QueueFields.OPTIONS, QueueFields.ORIGINAL_INDEX, QueueFields.TARGET_FIELD,
            QueueFields.BACKFILL, QueueFields.QUEUED_AT);

    /** The version a queue document was backfilled at; empty for one the pipeline queued (or a malformed one). */
    public static Optional<SourceVersion> of(QueuedDocument queued) {
        Map<String, Object> meta = queued.meta();
        if (meta.get(QueueFields.SOURCE_SEQ_NO) instanceof Number seqNo
                && meta.get(QueueFields.SOURCE_PRIMARY_TERM) instanceof Number primaryTerm) {
            return Optional.of(new SourceVersion(seqNo.longValue(), primaryTerm.longValue()));
        }
        return Optional.empty();
    }

    /** Puts this version into {@code meta} (an {@code _llm_watcher} object being built). */
    public void writeInto(Map<String, Object> meta) {
        meta.put(QueueFields.SOURCE_SEQ_NO, seqNo);
        meta.put(QueueFields.SOURCE_PRIMARY_TERM, primaryTerm);
    }

    /**
     * The queue source that replaces {@code queued} when the application changed its source document: the current
     * source, with the same instructions and this (the current) version, and no claim, failure or batch left over.
     */
    public Map<String, Object> requeue(QueuedDocument queued, Map<String, Object> currentSource) {
        Map<String, Object> meta = new LinkedHashMap<>();
        queued.meta().forEach((key, value) -> {
            if (KEPT.contains(key)) {
                meta.put(key, value);
            }
        });
        writeInto(meta);
        Map<String, Object> source = new LinkedHashMap<>(currentSource);
        source.remove(QueueFields.META);
        source.put(QueueFields.META, meta);
        return source;
    }
}

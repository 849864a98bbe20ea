package dev.llmwatcher.queue;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A document as it sits in the queue index, with the sequence number and primary term that let us change it
 * only if nobody else did in between (claims, failure records and deletes are all conditional on them).
 *
 * @param id          the document's {@code _id}, shared by the queue copy and the written-back result
 * @param seqNo       {@code _seq_no} of the version we read
 * @param primaryTerm {@code _primary_term} of the version we read
 * @param source      the whole {@code _source}, including {@code _llm_watcher}
 */
public record QueuedDocument(String id, long seqNo, long primaryTerm, Map<String, Object> source) {

    public static final String META_FIELD = "_llm_watcher";

    public QueuedDocument {
        source = source == null ? Map.of() : source;
    }

    /** The {@code _llm_watcher} object, or an empty map when the document has none (or a non-object one). */
    @SuppressWarnings("unchecked")
    public Map<String, Object> meta() {
        return source.get(META_FIELD) instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    /** The user's own fields: everything but {@code _llm_watcher}. This is what templates see as {@code ctx}. */
    public Map<String, Object> userFields() {
        Map<String, Object> fields = new LinkedHashMap<>(source);
        fields.remove(META_FIELD);
        return fields;
    }

    /** Failed attempts recorded so far in {@code _llm_watcher.attempts} (0 for a document that never failed). */
    public int attempts() {
        return meta().get(QueueFields.ATTEMPTS) instanceof Number n ? n.intValue() : 0;
    }

    /** The same document at a new version, as returned by a successful conditional update. */
    public QueuedDocument atVersion(long newSeqNo, long newPrimaryTerm) {
        return new QueuedDocument(id, newSeqNo, newPrimaryTerm, source);
    }
}

package dev.llmwatcher.elasticsearch;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One line pair of a {@code _bulk} request. Conditional operations carry the {@code _seq_no}/{@code _primary_term}
 * the caller read, so they apply only if nobody changed the document since.
 *
 * @param action   {@code index}, {@code delete} or {@code update}
 * @param document the source to index, the partial document of an update, or null for a delete
 */
public record BulkOperation(String action, String index, String id, Long ifSeqNo, Long ifPrimaryTerm,
                            Object document) {

    public static BulkOperation index(String index, String id, Object source) {
        return new BulkOperation("index", index, id, null, null, source);
    }

    public static BulkOperation indexIfUnchanged(String index, String id, long seqNo, long primaryTerm,
                                                 Object source) {
        return new BulkOperation("index", index, id, seqNo, primaryTerm, source);
    }

    public static BulkOperation deleteIfUnchanged(String index, String id, long seqNo, long primaryTerm) {
        return new BulkOperation("delete", index, id, seqNo, primaryTerm, null);
    }

    /** A partial update: {@code change} is merged into the source; a null value clears that field. */
    public static BulkOperation updateIfUnchanged(String index, String id, long seqNo, long primaryTerm,
                                                  Map<String, ?> change) {
        return new BulkOperation("update", index, id, seqNo, primaryTerm, Map.of("doc", change));
    }

    /** The action line's metadata object. */
    Map<String, Object> metadata() {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("_index", index);
        if (id != null) {
            meta.put("_id", id);
        }
        if (ifSeqNo != null) {
            meta.put("if_seq_no", ifSeqNo);
            meta.put("if_primary_term", ifPrimaryTerm);
        }
        return Map.of(action, meta);
    }
}

package dev.llmwatcher.elasticsearch;

import java.util.Map;

/**
 * Elasticsearch's answer for one bulk operation, in the order the operations were sent.
 *
 * @param seqNo       the new {@code _seq_no} after a successful write, or null
 * @param primaryTerm the new {@code _primary_term}, or null
 * @param error       why it failed, or null when it succeeded
 */
public record BulkItem(String id, int status, Long seqNo, Long primaryTerm, ErrorCause error) {

    public boolean failed() {
        return error != null;
    }

    /** Reads one entry of a bulk response's {@code items}: {@code {"<action>": {...}}}. */
    static BulkItem from(Object item) {
        if (!(item instanceof Map<?, ?> wrapper) || wrapper.isEmpty()
                || !(wrapper.values().iterator().next() instanceof Map<?, ?> result)) {
            return new BulkItem(null, 0, null, null, new ErrorCause("malformed_bulk_item", String.valueOf(item),
                    null, null));
        }
        int status = result.get("status") instanceof Number n ? n.intValue() : 0;
        ErrorCause error = result.get("error") == null ? null : ErrorCause.from(result.get("error"));
        if (error == null && (status < 200 || status >= 300)) {
            error = new ErrorCause("http_" + status, "bulk item answered with status " + status, null, null);
        }
        return new BulkItem(result.get("_id") == null ? null : result.get("_id").toString(), status,
                number(result.get("_seq_no")), number(result.get("_primary_term")), error);
    }

    private static Long number(Object value) {
        return value instanceof Number n ? n.longValue() : null;
    }
}

package dev.llmwatcher.elasticsearch;

import java.util.List;
import java.util.Map;

/**
 * Elasticsearch's description of what went wrong, as it sends it in an error response or a bulk item:
 * {@code {"type": ..., "reason": ..., "caused_by": {...}, "root_cause": [...]}}.
 */
public record ErrorCause(String type, String reason, ErrorCause causedBy, List<ErrorCause> rootCause) {

    public ErrorCause {
        type = type == null ? "unknown" : type;
        rootCause = rootCause == null ? List.of() : List.copyOf(rootCause);
    }

    /** Reads the JSON value of an {@code error} field: an object, or (from some proxies and old servers) a string. */
    static ErrorCause from(Object error) {
        if (error instanceof Map<?, ?> map) {
            return new ErrorCause(text(map.get("type")), text(map.get("reason")),
                    map.get("caused_by") == null ? null : from(map.get("caused_by")), rootCauses(map.get("root_cause")));
        }
        return new ErrorCause("error", error == null ? null : error.toString(), null, List.of());
    }

    private static List<ErrorCause> rootCauses(Object value) {
        if (!(value instanceof List<?> list)) {
            return List.of();
        }
        return list.stream().map(ErrorCause::from).toList();
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }
}

package dev.llmwatcher.store;

import java.util.Set;

/** How to read one refused bulk item beyond success or failure, in either engine's words. */
public final class BulkRefusals {

    /** What Elasticsearch, and OpenSearch, call an operation refused because a write queue was full. */
    private static final Set<String> REJECTED_EXECUTION = Set.of("es_rejected_execution_exception",
            "rejected_execution_exception", "opensearch_rejected_execution_exception");

    private BulkRefusals() {
    }

    /**
     * The engine refused the item only because it is shedding load (HTTP 429 for the item, or a rejected-execution
     * error): the same item can succeed a moment later.
     */
    public static boolean isPushedBack(int status, String errorType) {
        return status == 429 || REJECTED_EXECUTION.contains(errorType);
    }

    /** Another run changed or removed the document since it was read: the expected outcome of a race. */
    public static boolean isRaceLost(int status) {
        return status == 409 || status == 404;
    }
}

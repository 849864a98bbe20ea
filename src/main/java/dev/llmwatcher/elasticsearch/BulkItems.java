package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;

/** How to read one item of a bulk answer beyond success or failure. */
final class BulkItems {

    /** What Elasticsearch calls an operation it refused because its write queue was full. */
    static final String REJECTED_EXECUTION = "es_rejected_execution_exception";

    private BulkItems() {
    }

    /**
     * Elasticsearch refused the item only because it is shedding load (HTTP 429 for the item,
     * {@code es_rejected_execution_exception}): the same item can succeed a moment later.
     */
    static boolean isPushedBack(BulkResponseItem item) {
        return item.error() != null
                && (item.status() == 429 || REJECTED_EXECUTION.equals(item.error().type()));
    }
}

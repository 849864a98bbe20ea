package dev.llmwatcher.opensearch;

import dev.llmwatcher.queue.QueueRelease;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.store.QueueChanges;
import dev.llmwatcher.store.QueueQueries;
import dev.llmwatcher.store.QueueStatusQueries;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.Refresh;
import org.opensearch.client.opensearch.core.BulkResponse;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;
import org.opensearch.client.opensearch.core.bulk.BulkResponseItem;

import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link QueueRelease} on OpenSearch, as the Elasticsearch adapter releases: the shared query and change
 * ({@link QueueStatusQueries#released}, {@link QueueChanges#released}), pages read through a point in time, each
 * document updated conditionally on the version read, the bulk answer read item by item. A blind update-by-query
 * could overwrite a document a pass is working on.
 */
public final class OpenSearchRelease implements QueueRelease {

    private static final int PAGE = 500;
    private static final String KEEP_ALIVE = "2m";

    private final OpenSearchClient client;
    private final OpenSearchFailures failures;
    private final RawRequests raw;

    public OpenSearchRelease(OpenSearchClient client, OpenSearchFailures failures) {
        this.client = client;
        this.failures = failures;
        this.raw = new RawRequests(client, failures);
    }

    @Override
    public Result release(String index, Criteria criteria, Instant now) {
        String action = "search " + index + " for documents to release";
        if (raw.send("POST", "/" + index + "/_refresh", null, action, 404).status() == 404) {
            return new Result(0, 0, Map.of());
        }
        Map<String, Object> query = QueueStatusQueries.released(criteria, now);
        Pit pit;
        try {
            pit = Pit.open(client, raw, index, KEEP_ALIVE);
        } catch (IOException | RuntimeException e) {
            if (OpenSearchFailures.isIndexNotFound(e)) {
                return new Result(0, 0, Map.of());
            }
            throw failures.unavailable(action, e);
        }
        try (pit) {
            return releaseAll(index, query, pit);
        }
    }

    private Result releaseAll(String index, Map<String, Object> query, Pit pit) {
        int released = 0;
        int conflicts = 0;
        Map<String, String> failed = new HashMap<>();
        while (true) {
            List<QueuedDocument> page = pit.next(query, List.of(QueueQueries.SHARD_DOC_ORDER), PAGE, false,
                    false).documents();
            if (page.isEmpty()) {
                return new Result(released, conflicts, Map.copyOf(failed));
            }
            for (BulkResponseItem item : update(index, page)) {
                if (item.error() == null) {
                    released++;
                } else if (item.status() == 409 || item.status() == 404) {
                    conflicts++;
                } else {
                    failed.put(item.id(), failures.reason(item.error()));
                }
            }
        }
    }

    private List<BulkResponseItem> update(String index, List<QueuedDocument> documents) {
        Map<String, Object> change = QueueChanges.released();
        List<BulkOperation> operations = documents.stream().map(d -> BulkOperation.of(b -> b.update(u -> u
                .index(index).id(d.id()).ifSeqNo(d.seqNo()).ifPrimaryTerm(d.primaryTerm()).document(change))))
                .toList();
        BulkResponse response;
        try {
            response = client.bulk(b -> b.refresh(Refresh.True).operations(operations));
        } catch (IOException | RuntimeException e) {
            throw failures.unavailable("release documents in " + index, e);
        }
        if (response.items().size() != operations.size()) {
            throw failures.unavailable("release documents in " + index, new IOException("the bulk answer has "
                    + response.items().size() + " items for " + operations.size() + " operations"));
        }
        return response.items();
    }
}

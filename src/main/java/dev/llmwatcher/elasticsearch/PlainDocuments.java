package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.Refresh;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.elasticsearch.core.search.Hit;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Whole documents in and out of an index, for the demo: it queues its sample reviews as the ingest pipeline would
 * and shows the enriched documents. Not the queue's path (that is the store's, with versions and claims).
 */
public final class PlainDocuments {

    private final ElasticsearchClient client;
    private final ElasticsearchFailures failures;

    PlainDocuments(ElasticsearchClient client, ElasticsearchFailures failures) {
        this.client = client;
        this.failures = failures;
    }

    /**
     * Indexes the documents (ids to sources) in one bulk request, visible to searches at once.
     *
     * @throws IllegalStateException naming the first document Elasticsearch refused, with its reason
     */
    public void index(String index, Map<String, ? extends Map<String, ?>> sourcesById) {
        List<BulkOperation> operations = sourcesById.entrySet().stream().map(entry -> BulkOperation.of(o -> o
                .index(i -> i.index(index).id(entry.getKey()).document(entry.getValue())))).toList();
        List<BulkResponseItem> items;
        try {
            items = client.bulk(b -> b.refresh(Refresh.True).operations(operations)).items();
        } catch (ElasticsearchException | IOException e) {
            throw failures.unavailable("index documents into " + index, e);
        }
        items.stream().filter(item -> item.error() != null).findFirst().ifPresent(item -> {
            throw new IllegalStateException("could not index " + item.id() + " into " + index + ": "
                    + failures.reason(item.error()));
        });
    }

    /**
     * Up to {@code max} documents of {@code index} (ids to sources) after a refresh, in no particular order; none
     * when the index does not exist.
     */
    @SuppressWarnings({"rawtypes", "unchecked"})
    public Map<String, Map<String, Object>> firstDocuments(String index, int max) {
        try {
            client.indices().refresh(r -> r.index(index).ignoreUnavailable(true));
            List<Hit<Map>> hits = client.search(s -> s.index(index).ignoreUnavailable(true).size(max), Map.class)
                    .hits().hits();
            Map<String, Map<String, Object>> documents = new LinkedHashMap<>();
            hits.forEach(hit -> documents.put(hit.id(), (Map<String, Object>) hit.source()));
            return documents;
        } catch (ElasticsearchException | IOException e) {
            throw failures.unavailable("read documents from " + index, e);
        }
    }
}

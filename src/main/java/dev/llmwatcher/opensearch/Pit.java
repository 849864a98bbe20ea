package dev.llmwatcher.opensearch;

import dev.llmwatcher.json.JsonCodec;
import dev.llmwatcher.queue.QueuedDocument;
import org.opensearch.client.json.JsonpMapper;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.FieldValue;
import org.opensearch.client.opensearch._types.SortOptions;
import org.opensearch.client.opensearch._types.SortOrder;
import org.opensearch.client.opensearch._types.query_dsl.Query;
import org.opensearch.client.opensearch.core.SearchResponse;
import org.opensearch.client.opensearch.core.search.Hit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One point in time on an index (OpenSearch 2.4+), paged with {@code search_after}: what the queue scan, the batch
 * bookkeeping and the answer cache's maintenance read through. Each hit comes back as a {@link QueuedDocument} with
 * the {@code _seq_no}/{@code _primary_term} a conditional write needs.
 */
final class Pit implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Pit.class);

    /** The cheapest total order within a point in time; the tiebreaker after any other sort. */
    static final SortOptions SHARD_DOC_ORDER = SortOptions.of(s -> s.field(f -> f.field("_shard_doc")
            .order(SortOrder.Asc)));

    record Page(List<QueuedDocument> documents, long total) {
    }

    private final OpenSearchClient client;
    private final String index;
    private final String keepAlive;
    private String id;
    private List<FieldValue> searchAfter;

    private Pit(OpenSearchClient client, String index, String keepAlive, String id) {
        this.client = client;
        this.index = index;
        this.keepAlive = keepAlive;
        this.id = id;
    }

    /** Throws index_not_found ({@link OpenSearchFailures#isIndexNotFound}) when the index does not exist. */
    static Pit open(OpenSearchClient client, String index, String keepAlive) throws IOException {
        String id = client.createPit(p -> p.index(index).keepAlive(t -> t.time(keepAlive))).pitId();
        return new Pit(client, index, keepAlive, id);
    }

    /** A query of the shared shapes ({@code store.QueueQueries}) as the client's typed query. */
    static Query query(OpenSearchClient client, Map<String, Object> json) {
        JsonpMapper mapper = client._transport().jsonpMapper();
        return Query._DESERIALIZER.deserialize(mapper.jsonProvider().createParser(new StringReader(
                JsonCodec.writeString(json))), mapper);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    Page next(Query query, List<SortOptions> sort, int size, boolean withSource, boolean trackTotal)
            throws IOException {
        if (id == null) {
            throw new IllegalStateException("the point in time on " + index + " is closed");
        }
        String pit = id;
        List<FieldValue> after = searchAfter;
        SearchResponse<Map> response = client.search(s -> {
            s.pit(org.opensearch.client.opensearch.core.search.Pit.of(p -> p.id(pit).keepAlive(keepAlive))).query(query).sort(sort).size(size)
                    .source(src -> src.fetch(withSource)).seqNoPrimaryTerm(true)
                    .trackTotalHits(t -> t.enabled(trackTotal));
            if (after != null) {
                s.searchAfter(after);
            }
            return s;
        }, Map.class);
        if (response.pitId() != null) {
            id = response.pitId();
        }
        List<QueuedDocument> documents = new ArrayList<>(response.hits().hits().size());
        for (Hit<Map> hit : response.hits().hits()) {
            if (hit.seqNo() == null || hit.primaryTerm() == null) {
                throw new IOException("hit " + hit.id() + " without _seq_no or _primary_term");
            }
            documents.add(new QueuedDocument(hit.id(), hit.seqNo(), hit.primaryTerm(),
                    hit.source() == null ? Map.of() : (Map<String, Object>) hit.source()));
            searchAfter = hit.sort();
        }
        long total = trackTotal && response.hits().total() != null ? response.hits().total().value() : 0;
        return new Page(documents, total);
    }

    @Override
    public void close() {
        if (id == null) {
            return;
        }
        String closing = id;
        id = null;
        try {
            client.deletePit(d -> d.pitId(closing));
        } catch (IOException | RuntimeException e) {
            LOG.debug("Could not close the point in time on {} (it expires on its own): {}", index, e.getMessage());
        }
    }
}

package dev.llmwatcher.opensearch;

import dev.llmwatcher.queue.QueuePart;
import dev.llmwatcher.store.QueueQueries;
import dev.llmwatcher.queue.QueuedDocument;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One point in time on an index (OpenSearch 2.4+), paged with {@code search_after}: what the queue scan, the batch
 * bookkeeping and the answer cache's maintenance read through. Each hit comes back as a {@link QueuedDocument} with
 * the {@code _seq_no}/{@code _primary_term} a conditional write needs.
 *
 * <p>The point in time is opened and closed with the typed client; the searches go through its generic API with the
 * shared query shapes ({@code store.QueueQueries}) as they are, and the answer is read as a map: the typed search
 * response would bring every aggregation and query type of the client into the Lambda package (about 2 MB).
 */
final class Pit implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Pit.class);

    record Page(List<QueuedDocument> documents, long total) {
    }

    private final OpenSearchClient client;
    private final RawRequests raw;
    private final String index;
    private final String keepAlive;
    private String id;
    private List<?> searchAfter;

    private Pit(OpenSearchClient client, RawRequests raw, String index, String keepAlive, String id) {
        this.client = client;
        this.raw = raw;
        this.index = index;
        this.keepAlive = keepAlive;
        this.id = id;
    }

    /** Throws index_not_found ({@link OpenSearchFailures#isIndexNotFound}) when the index does not exist. */
    static Pit open(OpenSearchClient client, RawRequests raw, String index, String keepAlive) throws IOException {
        String id = client.createPit(p -> p.index(index).keepAlive(t -> t.time(keepAlive))).pitId();
        return new Pit(client, raw, index, keepAlive, id);
    }

    /** The page after the last one read, in {@code sort} order; {@code trackTotal} counts every match. */
    Page next(Map<String, Object> query, List<Object> sort, int size, boolean withSource, boolean trackTotal) {
        return next(query, sort, size, withSource, trackTotal, QueuePart.WHOLE);
    }

    /** As above, reading only the documents of {@code part} ({@link QueueQueries#slice}). */
    Page next(Map<String, Object> query, List<Object> sort, int size, boolean withSource, boolean trackTotal,
              QueuePart part) {
        if (id == null) {
            throw new IllegalStateException("the point in time on " + index + " is closed");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("pit", Map.of("id", id, "keep_alive", keepAlive));
        body.put("query", query);
        body.put("sort", sort);
        body.put("size", size);
        body.put("_source", withSource);
        body.put("seq_no_primary_term", true);
        body.put("track_total_hits", trackTotal);
        if (searchAfter != null) {
            body.put("search_after", searchAfter);
        }
        if (!part.isWhole()) {
            body.put("slice", QueueQueries.slice(part));
        }
        Map<String, Object> answer = raw.search(body, "search " + index).json();
        if (answer.get("pit_id") instanceof String next) {
            id = next;
        }
        Hits hits = Hits.of(answer);
        if (!hits.documents().isEmpty()) {
            searchAfter = hits.lastSort();
        }
        return new Page(hits.documents(), trackTotal ? hits.total() : 0);
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

    /** The hits of a search answer read as a map. */
    record Hits(List<QueuedDocument> documents, List<?> lastSort, long total) {

        @SuppressWarnings("unchecked")
        static Hits of(Map<String, Object> answer) {
            Map<String, Object> hits = answer.get("hits") instanceof Map<?, ?> h ? (Map<String, Object>) h : Map.of();
            List<QueuedDocument> documents = new ArrayList<>();
            List<?> lastSort = null;
            if (hits.get("hits") instanceof List<?> list) {
                for (Object entry : list) {
                    Map<String, Object> hit = (Map<String, Object>) entry;
                    if (!(hit.get("_seq_no") instanceof Number seqNo)
                            || !(hit.get("_primary_term") instanceof Number primaryTerm)) {
                        throw new IllegalStateException("hit " + hit.get("_id") + " without _seq_no or _primary_term");
                    }
                    Map<String, Object> source = hit.get("_source") instanceof Map<?, ?> m
                            ? (Map<String, Object>) m : Map.of();
                    documents.add(new QueuedDocument(String.valueOf(hit.get("_id")), seqNo.longValue(),
                            primaryTerm.longValue(), source));
                    lastSort = hit.get("sort") instanceof List<?> sort ? sort : null;
                }
            }
            long total = hits.get("total") instanceof Map<?, ?> t && t.get("value") instanceof Number n
                    ? n.longValue() : 0;
            return new Hits(documents, lastSort, total);
        }
    }
}

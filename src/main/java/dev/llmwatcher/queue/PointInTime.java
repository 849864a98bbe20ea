package dev.llmwatcher.queue;

import dev.llmwatcher.elasticsearch.ElasticsearchConnection;
import dev.llmwatcher.elasticsearch.ElasticsearchException;
import dev.llmwatcher.elasticsearch.JsonPath;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One point in time on an index, paged with {@code search_after}: what the queue scan and the releaser both read
 * through. Each hit comes back as a {@link QueuedDocument} with the {@code _seq_no}/{@code _primary_term} a
 * conditional write needs. Errors are the caller's to describe: they differ in what was being done.
 */
final class PointInTime implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PointInTime.class);

    /** The cheapest total order within a point in time; the tiebreaker after any other sort. */
    static final Map<String, Object> SHARD_DOC_ORDER = Map.of("_shard_doc", Map.of("order", "asc"));

    /** One page of hits, and the total matching when it was asked for (else 0). */
    record Page(List<QueuedDocument> documents, long total) {
    }

    private final ElasticsearchConnection connection;
    private final String index;
    private final String keepAlive;
    private String id;
    private List<Object> searchAfter;

    private PointInTime(ElasticsearchConnection connection, String index, String keepAlive, String id) {
        this.connection = connection;
        this.index = index;
        this.keepAlive = keepAlive;
        this.id = id;
    }

    /** @throws ElasticsearchException index_not_found when the index does not exist (see its isIndexNotFound) */
    static PointInTime open(ElasticsearchConnection connection, String index, String keepAlive) throws IOException {
        String id = JsonPath.text(connection.send("POST", "/" + index + "/_pit?keep_alive=" + keepAlive, null), "id")
                .orElseThrow(() -> new IOException("no point in time id in the answer"));
        return new PointInTime(connection, index, keepAlive, id);
    }

    /**
     * The page after the last one read, in {@code sort} order.
     *
     * @param withSource include each hit's {@code _source}; without it documents carry an empty source
     * @param trackTotal count every match (the first page of a scan), which the page then reports
     */
    Page next(Map<String, Object> query, List<Object> sort, int size, boolean withSource, boolean trackTotal)
            throws IOException {
        if (id == null) {
            throw new IllegalStateException("the point in time on " + index + " is closed");
        }
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("pit", Map.of("id", id, "keep_alive", keepAlive));
        request.put("query", query);
        request.put("sort", sort);
        request.put("size", size);
        request.put("_source", withSource);
        request.put("seq_no_primary_term", true);
        request.put("track_total_hits", trackTotal);
        if (searchAfter != null) {
            request.put("search_after", searchAfter);
        }
        Map<String, Object> response = connection.send("POST", "/_search", request);
        JsonPath.text(response, "pit_id").ifPresent(newId -> id = newId);
        List<Object> hits = JsonPath.list(response, "hits", "hits");
        List<QueuedDocument> documents = new ArrayList<>(hits.size());
        for (Object hit : hits) {
            documents.add(document(hit));
            searchAfter = JsonPath.list(hit, "sort");
        }
        long total = trackTotal ? JsonPath.number(response, "hits", "total", "value").orElse(0L) : 0;
        return new Page(documents, total);
    }

    private static QueuedDocument document(Object hit) throws IOException {
        String id = JsonPath.text(hit, "_id").orElseThrow(() -> new IOException("a search hit without _id"));
        long seqNo = JsonPath.number(hit, "_seq_no").orElseThrow(() -> new IOException("hit " + id
                + " without _seq_no"));
        long primaryTerm = JsonPath.number(hit, "_primary_term").orElseThrow(() -> new IOException("hit " + id
                + " without _primary_term"));
        return new QueuedDocument(id, seqNo, primaryTerm, JsonPath.object(hit, "_source"));
    }

    /** Closes it now rather than when its keep-alive runs out; a failure is only logged, as it expires anyway. */
    @Override
    public void close() {
        if (id == null) {
            return;
        }
        String closing = id;
        id = null;
        try {
            connection.send("DELETE", "/_pit", Map.of("id", closing));
        } catch (ElasticsearchException | IOException e) {
            LOG.debug("Could not close the point in time on {} (it expires on its own): {}", index, e.getMessage());
        }
    }
}

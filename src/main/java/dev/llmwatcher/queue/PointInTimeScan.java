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
import java.util.Optional;

/**
 * Pages through eligible queue documents with a point in time and {@code search_after}: a stable view across
 * pages with constant memory, in the configured sort order with {@code _shard_doc} as tiebreaker. Documents
 * changed after the point in time was opened show at their old version; claiming them then fails harmlessly.
 */
final class PointInTimeScan implements QueueScan {

    private static final Logger LOG = LoggerFactory.getLogger(PointInTimeScan.class);
    private static final String KEEP_ALIVE = "5m";

    private final ElasticsearchConnection connection;
    private final ElasticsearchFailures failures;
    private final QueueQuery query;
    private final Map<String, Object> eligible;
    private final List<Object> sort;
    private String pitId;
    private List<Object> searchAfter;
    private List<QueuedDocument> buffered;
    private long totalEligible;
    private boolean exhausted;

    private PointInTimeScan(ElasticsearchConnection connection, ElasticsearchFailures failures, QueueQuery query,
                            String pitId) {
        this.connection = connection;
        this.failures = failures;
        this.query = query;
        this.pitId = pitId;
        this.eligible = EligibilityQuery.of(query.selection(), query.now());
        this.sort = sort(SortField.parse(query.sortField()));
    }

    static QueueScan open(ElasticsearchConnection connection, ElasticsearchFailures failures, QueueQuery query) {
        if (query.pageSize() < 1) {
            throw new IllegalArgumentException("page size must be at least 1: " + query.pageSize());
        }
        String pitId;
        try {
            pitId = JsonPath.text(connection.send("POST", "/" + query.index() + "/_pit?keep_alive=" + KEEP_ALIVE,
                    null), "id").orElseThrow(() -> new IOException("no point in time id in the answer"));
        } catch (ElasticsearchException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
                LOG.debug("Queue index {} does not exist: nothing to do", query.index());
                return EmptyScan.INSTANCE;
            }
            throw failures.unavailable("open a point in time on " + query.index(), e);
        } catch (IOException e) {
            throw failures.unavailable("open a point in time on " + query.index(), e);
        }
        PointInTimeScan scan = new PointInTimeScan(connection, failures, query, pitId);
        try {
            scan.buffered = scan.fetch(true);
        } catch (RuntimeException e) {
            scan.close();
            throw e;
        }
        return scan;
    }

    @Override
    public long totalEligible() {
        return totalEligible;
    }

    @Override
    public List<QueuedDocument> nextPage() {
        if (buffered != null) {
            List<QueuedDocument> page = buffered;
            buffered = null;
            return page;
        }
        return exhausted ? List.of() : fetch(false);
    }

    @Override
    public void close() {
        exhausted = true;
        buffered = null;
        if (pitId == null) {
            return;
        }
        String id = pitId;
        pitId = null;
        try {
            connection.send("DELETE", "/_pit", Map.of("id", id));
        } catch (ElasticsearchException | IOException e) {
            LOG.debug("Could not close the point in time on {} (it expires on its own): {}", query.index(),
                    e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private List<QueuedDocument> fetch(boolean first) {
        if (pitId == null) {
            throw new IllegalStateException("queue scan is closed");
        }
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("pit", Map.of("id", pitId, "keep_alive", KEEP_ALIVE));
        request.put("query", eligible);
        request.put("sort", sort);
        request.put("size", query.pageSize());
        request.put("seq_no_primary_term", true);
        request.put("track_total_hits", first);
        if (searchAfter != null) {
            request.put("search_after", searchAfter);
        }
        Map<String, Object> response;
        long started = System.nanoTime();
        try {
            response = connection.send("POST", "/_search", request);
        } catch (ElasticsearchException | IOException e) {
            throw failures.unavailable("search the queue " + query.index(), e);
        }
        List<Object> hits = JsonPath.list(response, "hits", "hits");
        LOG.debug("Elasticsearch search of {} answered {} documents in {} ms", query.index(), hits.size(),
                (System.nanoTime() - started) / 1_000_000);
        JsonPath.text(response, "pit_id").ifPresent(id -> pitId = id);
        if (first) {
            totalEligible = JsonPath.number(response, "hits", "total", "value").orElse(0L);
        }
        List<QueuedDocument> page = new ArrayList<>(hits.size());
        for (Object hit : hits) {
            page.add(new QueuedDocument(JsonPath.text(hit, "_id").orElseThrow(),
                    JsonPath.number(hit, "_seq_no").orElseThrow(), JsonPath.number(hit, "_primary_term").orElseThrow(),
                    JsonPath.object(hit, "_source")));
            searchAfter = JsonPath.list(hit, "sort");
        }
        if (page.size() < query.pageSize()) {
            exhausted = true;
        }
        return page;
    }

    private static List<Object> sort(Optional<SortField> sortField) {
        List<Object> sort = new ArrayList<>();
        sortField.ifPresent(f -> sort.add(Map.of(f.name(), Map.of("order", "asc", "unmapped_type", f.type()))));
        sort.add(Map.of("_shard_doc", Map.of("order", "asc")));
        return sort;
    }

    /** The scan of a queue index that does not exist yet. */
    private enum EmptyScan implements QueueScan {
        INSTANCE;

        @Override
        public long totalEligible() {
            return 0;
        }

        @Override
        public List<QueuedDocument> nextPage() {
            return List.of();
        }

        @Override
        public void close() {
        }
    }
}

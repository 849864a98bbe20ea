package dev.llmwatcher.opensearch;

import dev.llmwatcher.backfill.SourceDocument;
import dev.llmwatcher.backfill.SourceScan;
import dev.llmwatcher.store.QueueQueries;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A backfill's scan on OpenSearch: one point in time over the selection's indices, read in {@code slice: {id, max}}
 * slices with {@code search_after} in {@code _shard_doc} order, each slice holding only its place. The searches go
 * through the generic API as the queue's scan does ({@link Pit}); every hit carries its concrete index and its
 * {@code _seq_no}/{@code _primary_term}.
 */
final class SlicedPitScan implements SourceScan {

    private static final Logger LOG = LoggerFactory.getLogger(SlicedPitScan.class);
    private static final String KEEP_ALIVE = "5m";

    private final OpenSearchClient client;
    private final RawRequests raw;
    private final String from;
    private final Map<String, Object> query;
    private final int pageSize;
    private final AtomicReference<String> pointInTime;
    private final AtomicReferenceArray<List<?>> searchAfter;
    private final AtomicReferenceArray<Boolean> exhausted;

    private SlicedPitScan(OpenSearchClient client, RawRequests raw, String from, Map<String, Object> query,
                          int slices, int pageSize, String pointInTime) {
        this.client = client;
        this.raw = raw;
        this.from = from;
        this.query = query;
        this.pageSize = pageSize;
        this.pointInTime = new AtomicReference<>(pointInTime);
        this.searchAfter = new AtomicReferenceArray<>(slices);
        this.exhausted = new AtomicReferenceArray<>(slices);
        for (int i = 0; i < slices; i++) {
            exhausted.set(i, pointInTime == null);
        }
    }

    /** A scan of what {@code query} matches in {@code from}; an empty one when {@code from} names no index. */
    static SourceScan open(OpenSearchClient client, OpenSearchFailures failures, String from,
                           Map<String, Object> query, int slices, int pageSize) {
        if (slices < 1 || pageSize < 1) {
            throw new IllegalArgumentException("slices and page size must be at least 1: " + slices + ", "
                    + pageSize);
        }
        String id;
        try {
            id = client.createPit(p -> p.index(from).keepAlive(t -> t.time(KEEP_ALIVE))).pitId();
        } catch (IOException | RuntimeException e) {
            if (!OpenSearchFailures.isIndexNotFound(e)) {
                throw failures.unavailable("open a point in time on " + from, e);
            }
            LOG.debug("{} names no index: nothing to backfill", from);
            id = null;
        }
        return new SlicedPitScan(client, new RawRequests(client, failures), from, query, slices, pageSize, id);
    }

    @Override
    public int slices() {
        return exhausted.length();
    }

    @Override
    public List<SourceDocument> nextPage(int slice) {
        String pit = pointInTime.get();
        if (exhausted.get(slice) || pit == null) {
            return List.of();
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("pit", Map.of("id", pit, "keep_alive", KEEP_ALIVE));
        body.put("query", query);
        body.put("sort", List.of(QueueQueries.SHARD_DOC_ORDER));
        body.put("size", pageSize);
        body.put("seq_no_primary_term", true);
        body.put("track_total_hits", false);
        if (slices() > 1) {
            body.put("slice", Map.of("id", slice, "max", slices()));
        }
        List<?> after = searchAfter.get(slice);
        if (after != null) {
            body.put("search_after", after);
        }
        List<SourceDocument> page = hits(raw.search(body, "read " + from + " to backfill").json(),
                slice);
        if (page.size() < pageSize) {
            exhausted.set(slice, true);
        }
        return page;
    }

    @SuppressWarnings("unchecked")
    private List<SourceDocument> hits(Map<String, Object> answer, int slice) {
        List<SourceDocument> page = new ArrayList<>();
        if (!(answer.get("hits") instanceof Map<?, ?> hits) || !(hits.get("hits") instanceof List<?> list)) {
            return page;
        }
        for (Object entry : list) {
            Map<String, Object> hit = (Map<String, Object>) entry;
            if (!(hit.get("_seq_no") instanceof Number seqNo)
                    || !(hit.get("_primary_term") instanceof Number primaryTerm)) {
                throw new IllegalStateException("hit " + hit.get("_id") + " of " + from
                        + " without _seq_no or _primary_term");
            }
            page.add(new SourceDocument(String.valueOf(hit.get("_index")), String.valueOf(hit.get("_id")),
                    seqNo.longValue(), primaryTerm.longValue(),
                    hit.get("_source") instanceof Map<?, ?> source ? (Map<String, Object>) source : Map.of()));
            if (hit.get("sort") instanceof List<?> sort) {
                searchAfter.set(slice, sort);
            }
        }
        return page;
    }

    /** Closes the point in time now rather than when it expires; a failure is only logged. */
    @Override
    public void close() {
        String id = pointInTime.getAndSet(null);
        if (id == null) {
            return;
        }
        try {
            client.deletePit(d -> d.pitId(id));
        } catch (IOException | RuntimeException e) {
            LOG.debug("Could not close the point in time on {} (it expires on its own): {}", from, e.getMessage());
        }
    }
}

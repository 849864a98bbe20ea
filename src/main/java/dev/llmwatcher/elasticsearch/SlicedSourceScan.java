package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.Time;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import dev.llmwatcher.backfill.SourceDocument;
import dev.llmwatcher.backfill.SourceScan;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A backfill's scan: one point in time over the selection's indices, read in {@code slice: {id, max}} slices with
 * {@code search_after} in {@code _shard_doc} order, each slice holding only its place. Every hit carries its
 * concrete index and its {@code _seq_no}/{@code _primary_term}.
 */
final class SlicedSourceScan implements SourceScan {

    private static final Logger LOG = LoggerFactory.getLogger(SlicedSourceScan.class);
    private static final Time KEEP_ALIVE = Time.of(t -> t.time("5m"));

    private final ElasticsearchClient client;
    private final ElasticsearchFailures failures;
    private final String from;
    private final Query query;
    private final int pageSize;
    private final AtomicReference<String> pointInTime;
    private final List<List<FieldValue>> searchAfter = new ArrayList<>();
    private final boolean[] exhausted;

    private SlicedSourceScan(ElasticsearchClient client, ElasticsearchFailures failures, String from, Query query,
                             int slices, int pageSize, String pointInTime) {
        this.client = client;
        this.failures = failures;
        this.from = from;
        this.query = query;
        this.pageSize = pageSize;
        this.pointInTime = new AtomicReference<>(pointInTime);
        this.exhausted = new boolean[slices];
        for (int i = 0; i < slices; i++) {
            searchAfter.add(null);
        }
    }

    /** A scan of what {@code query} matches in {@code from}; an empty one when {@code from} names no index. */
    static SourceScan open(ElasticsearchClient client, ElasticsearchFailures failures, String from, Query query,
                           int slices, int pageSize) {
        if (slices < 1 || pageSize < 1) {
            throw new IllegalArgumentException("slices and page size must be at least 1: " + slices + ", "
                    + pageSize);
        }
        String id;
        try {
            id = client.openPointInTime(o -> o.index(from).keepAlive(KEEP_ALIVE)).id();
        } catch (IOException | RuntimeException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
                LOG.debug("{} names no index: nothing to backfill", from);
                id = null;
            } else {
                throw failures.unavailable("open a point in time on " + from, e);
            }
        }
        SlicedSourceScan scan = new SlicedSourceScan(client, failures, from, query, slices, pageSize, id);
        if (id == null) {
            java.util.Arrays.fill(scan.exhausted, true);
        }
        return scan;
    }

    @Override
    public int slices() {
        return exhausted.length;
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public List<SourceDocument> nextPage(int slice) {
        String pit = pointInTime.get();
        if (exhausted[slice] || pit == null) {
            return List.of();
        }
        List<FieldValue> after = searchAfter.get(slice);
        SearchResponse<Map> response;
        try {
            response = client.search(s -> {
                s.pit(p -> p.id(pit).keepAlive(KEEP_ALIVE)).query(query).sort(PointInTime.SHARD_DOC_ORDER)
                        .size(pageSize).seqNoPrimaryTerm(true).trackTotalHits(t -> t.enabled(false));
                if (exhausted.length > 1) {
                    s.slice(sl -> sl.id(Integer.toString(slice)).max(exhausted.length));
                }
                if (after != null) {
                    s.searchAfter(after);
                }
                return s;
            }, Map.class);
        } catch (IOException | RuntimeException e) {
            throw failures.unavailable("read " + from + " to backfill", e);
        }
        List<SourceDocument> page = new ArrayList<>(response.hits().hits().size());
        for (Hit<Map> hit : response.hits().hits()) {
            if (hit.seqNo() == null || hit.primaryTerm() == null) {
                throw failures.unavailable("read " + from + " to backfill",
                        new IOException("hit " + hit.id() + " without _seq_no or _primary_term"));
            }
            page.add(new SourceDocument(hit.index(), hit.id(), hit.seqNo(), hit.primaryTerm(),
                    (Map<String, Object>) hit.source()));
            searchAfter.set(slice, hit.sort());
        }
        if (page.size() < pageSize) {
            exhausted[slice] = true;
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
            client.closePointInTime(c -> c.id(id));
        } catch (IOException | RuntimeException e) {
            LOG.debug("Could not close the point in time on {} (it expires on its own): {}", from, e.getMessage());
        }
    }
}

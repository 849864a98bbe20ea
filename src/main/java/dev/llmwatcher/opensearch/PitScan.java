package dev.llmwatcher.opensearch;

import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.QueueScan;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.queue.SortField;
import dev.llmwatcher.store.QueueQueries;
import org.opensearch.client.opensearch.OpenSearchClient;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Pages through eligible queue documents with a point in time and {@code search_after}, in the configured sort order
 * with {@code _shard_doc} as tiebreaker ({@link QueueQueries#scanSort}). Documents changed after the point in time
 * was opened show at their old version; claiming them then fails harmlessly.
 */
final class PitScan implements QueueScan {

    private static final String KEEP_ALIVE = "5m";

    private final Pit pit;
    private final OpenSearchFailures failures;
    private final QueueQuery query;
    private final Map<String, Object> eligible;
    private final List<Object> sort;
    private List<QueuedDocument> buffered;
    private long totalEligible;
    private long read;
    private boolean exhausted;

    private PitScan(Pit pit, OpenSearchFailures failures, QueueQuery query, Map<String, Object> eligible) {
        this.pit = pit;
        this.failures = failures;
        this.query = query;
        this.eligible = eligible;
        this.sort = QueueQueries.scanSort(SortField.parse(query.sortField()));
    }

    static QueueScan open(OpenSearchClient client, OpenSearchFailures failures, QueueQuery query,
                          Map<String, Object> eligible) {
        if (query.pageSize() < 1) {
            throw new IllegalArgumentException("page size must be at least 1: " + query.pageSize());
        }
        Pit pit;
        try {
            pit = Pit.open(client, new RawRequests(client, failures), query.index(), KEEP_ALIVE);
        } catch (IOException | RuntimeException e) {
            if (OpenSearchFailures.isIndexNotFound(e)) {
                return EmptyScan.INSTANCE;
            }
            throw failures.unavailable("open a point in time on " + query.index(), e);
        }
        PitScan scan = new PitScan(pit, failures, query, eligible);
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
        pit.close();
    }

    private List<QueuedDocument> fetch(boolean first) {
        Pit.Page page = pit.next(eligible, sort, query.pageSize(), true, first, query.part());
        if (first) {
            totalEligible = page.total();
        }
        read += page.documents().size();
        // a short page is the last; so is the page that brings the count to the total the first one reported (the
        // point in time does not change), which saves the empty search after a part of whole pages
        if (page.documents().size() < query.pageSize() || read >= totalEligible) {
            exhausted = true;
        }
        return page.documents();
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

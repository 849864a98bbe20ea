package dev.llmwatcher.queue;

import dev.llmwatcher.elasticsearch.ElasticsearchConnection;
import dev.llmwatcher.elasticsearch.ElasticsearchException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
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

    private final PointInTime pointInTime;
    private final ElasticsearchFailures failures;
    private final QueueQuery query;
    private final Map<String, Object> eligible;
    private final List<Object> sort;
    private List<QueuedDocument> buffered;
    private long totalEligible;
    private boolean exhausted;

    private PointInTimeScan(PointInTime pointInTime, ElasticsearchFailures failures, QueueQuery query) {
        this.pointInTime = pointInTime;
        this.failures = failures;
        this.query = query;
        this.eligible = EligibilityQuery.of(query.selection(), query.now());
        this.sort = sort(SortField.parse(query.sortField()));
    }

    static QueueScan open(ElasticsearchConnection connection, ElasticsearchFailures failures, QueueQuery query) {
        if (query.pageSize() < 1) {
            throw new IllegalArgumentException("page size must be at least 1: " + query.pageSize());
        }
        PointInTime pointInTime;
        try {
            pointInTime = PointInTime.open(connection, query.index(), KEEP_ALIVE);
        } catch (ElasticsearchException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
                LOG.debug("Queue index {} does not exist: nothing to do", query.index());
                return EmptyScan.INSTANCE;
            }
            throw failures.unavailable("open a point in time on " + query.index(), e);
        } catch (IOException e) {
            throw failures.unavailable("open a point in time on " + query.index(), e);
        }
        PointInTimeScan scan = new PointInTimeScan(pointInTime, failures, query);
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
        pointInTime.close();
    }

    private List<QueuedDocument> fetch(boolean first) {
        PointInTime.Page page;
        long started = System.nanoTime();
        try {
            page = pointInTime.next(eligible, sort, query.pageSize(), true, first);
        } catch (ElasticsearchException | IOException e) {
            throw failures.unavailable("search the queue " + query.index(), e);
        }
        LOG.debug("Elasticsearch search of {} answered {} documents in {} ms", query.index(),
                page.documents().size(), (System.nanoTime() - started) / 1_000_000);
        if (first) {
            totalEligible = page.total();
        }
        if (page.documents().size() < query.pageSize()) {
            exhausted = true;
        }
        return page.documents();
    }

    private static List<Object> sort(Optional<SortField> sortField) {
        List<Object> sort = new ArrayList<>();
        sortField.ifPresent(f -> sort.add(Map.of(f.name(), Map.of("order", "asc", "unmapped_type", f.type()))));
        sort.add(PointInTime.SHARD_DOC_ORDER);
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

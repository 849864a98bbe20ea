package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.SortOptions;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch._types.mapping.FieldType;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.QueueScan;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.queue.SortField;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
    private final Query eligible;
    private final List<SortOptions> sort;
    private List<QueuedDocument> buffered;
    private long totalEligible;
    private long read;
    private boolean exhausted;

    private PointInTimeScan(PointInTime pointInTime, ElasticsearchFailures failures, QueueQuery query,
                            Query eligible) {
        this.pointInTime = pointInTime;
        this.failures = failures;
        this.query = query;
        this.eligible = eligible;
        this.sort = sort(SortField.parse(query.sortField()));
    }

    /** A scan over the documents {@code eligible} matches (the eligible documents of one provider, say). */
    static QueueScan open(ElasticsearchClient client, ElasticsearchFailures failures, QueueQuery query,
                          Query eligible) {
        if (query.pageSize() < 1) {
            throw new IllegalArgumentException("page size must be at least 1: " + query.pageSize());
        }
        PointInTime pointInTime;
        try {
            pointInTime = PointInTime.open(client, query.index(), KEEP_ALIVE);
        } catch (IOException | RuntimeException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
                LOG.debug("Queue index {} does not exist: nothing to do", query.index());
                return EmptyScan.INSTANCE;
            }
            throw failures.unavailable("open a point in time on " + query.index(), e);
        }
        PointInTimeScan scan = new PointInTimeScan(pointInTime, failures, query, eligible);
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
            page = pointInTime.next(eligible, sort, query.pageSize(), true, first, query.part());
        } catch (IOException | RuntimeException e) {
            throw failures.unavailable("search the queue " + query.index(), e);
        }
        LOG.debug("Elasticsearch search of {} answered {} documents in {} ms", query.index(),
                page.documents().size(), (System.nanoTime() - started) / 1_000_000);
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

    private static List<SortOptions> sort(Optional<SortField> sortField) {
        List<SortOptions> sort = new ArrayList<>();
        sortField.ifPresent(f -> sort.add(SortOptions.of(s -> s.field(o -> o.field(f.name()).order(SortOrder.Asc)
                .unmappedType(fieldType(f.type()))))));
        sort.add(PointInTime.SHARD_DOC_ORDER);
        return sort;
    }

    /** The client's name for a mapping type; {@link SortField} admits only types it has. */
    private static FieldType fieldType(String type) {
        return Arrays.stream(FieldType.values()).filter(t -> t.jsonValue().equals(type)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no such field type: " + type));
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

package dev.llmwatcher.opensearch;

import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.QueueScan;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.queue.SortField;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.SortOptions;
import org.opensearch.client.opensearch._types.SortOrder;
import org.opensearch.client.opensearch._types.mapping.FieldType;
import org.opensearch.client.opensearch._types.query_dsl.Query;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Pages through eligible queue documents with a point in time and {@code search_after}, in the configured sort order
 * with {@code _shard_doc} as tiebreaker. Documents changed after the point in time was opened show at their old
 * version; claiming them then fails harmlessly.
 */
final class PitScan implements QueueScan {

    private static final String KEEP_ALIVE = "5m";

    private final Pit pit;
    private final OpenSearchFailures failures;
    private final QueueQuery query;
    private final Query eligible;
    private final List<SortOptions> sort;
    private List<QueuedDocument> buffered;
    private long totalEligible;
    private boolean exhausted;

    private PitScan(Pit pit, OpenSearchFailures failures, QueueQuery query, Query eligible) {
        this.pit = pit;
        this.failures = failures;
        this.query = query;
        this.eligible = eligible;
        this.sort = sort(SortField.parse(query.sortField()));
    }

    static QueueScan open(OpenSearchClient client, OpenSearchFailures failures, QueueQuery query, Query eligible) {
        if (query.pageSize() < 1) {
            throw new IllegalArgumentException("page size must be at least 1: " + query.pageSize());
        }
        Pit pit;
        try {
            pit = Pit.open(client, query.index(), KEEP_ALIVE);
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
        Pit.Page page;
        try {
            page = pit.next(eligible, sort, query.pageSize(), true, first);
        } catch (IOException | RuntimeException e) {
            throw failures.unavailable("search the queue " + query.index(), e);
        }
        if (first) {
            totalEligible = page.total();
        }
        if (page.documents().size() < query.pageSize()) {
            exhausted = true;
        }
        return page.documents();
    }

    private static List<SortOptions> sort(Optional<SortField> sortField) {
        List<SortOptions> sort = new ArrayList<>();
        sortField.ifPresent(f -> sort.add(SortOptions.of(s -> s.field(o -> o.field(f.name()).order(SortOrder.Asc)
                .unmappedType(fieldType(f.type()))))));
        sort.add(Pit.SHARD_DOC_ORDER);
        return sort;
    }

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

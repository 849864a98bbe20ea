package dev.llmwatcher.queue;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.FieldSort;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.SortOptions;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch._types.mapping.FieldType;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
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

    private final ElasticsearchClient client;
    private final ElasticsearchFailures failures;
    private final QueueQuery query;
    private final Query eligible;
    private final List<SortOptions> sort;
    private String pitId;
    private List<FieldValue> searchAfter;
    private List<QueuedDocument> buffered;
    private long totalEligible;
    private boolean exhausted;

    private PointInTimeScan(ElasticsearchClient client, ElasticsearchFailures failures, QueueQuery query,
                            String pitId) {
        this.client = client;
        this.failures = failures;
        this.query = query;
        this.pitId = pitId;
        this.eligible = EligibilityQuery.of(query.selection(), query.now());
        this.sort = sort(SortField.parse(query.sortField()));
    }

    static QueueScan open(ElasticsearchClient client, ElasticsearchFailures failures, QueueQuery query) {
        if (query.pageSize() < 1) {
            throw new IllegalArgumentException("page size must be at least 1: " + query.pageSize());
        }
        String pitId;
        try {
            pitId = client.openPointInTime(p -> p.index(query.index()).keepAlive(k -> k.time(KEEP_ALIVE))).id();
        } catch (ElasticsearchException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
                LOG.debug("Queue index {} does not exist: nothing to do", query.index());
                return EmptyScan.INSTANCE;
            }
            throw failures.unavailable("open a point in time on " + query.index(), e);
        } catch (IOException e) {
            throw failures.unavailable("open a point in time on " + query.index(), e);
        }
        PointInTimeScan scan = new PointInTimeScan(client, failures, query, pitId);
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
            client.closePointInTime(c -> c.id(id));
        } catch (ElasticsearchException | IOException e) {
            LOG.debug("Could not close the point in time on {} (it expires on its own): {}", query.index(),
                    e.getMessage());
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private List<QueuedDocument> fetch(boolean first) {
        if (pitId == null) {
            throw new IllegalStateException("queue scan is closed");
        }
        SearchResponse<Map> response;
        long started = System.nanoTime();
        try {
            response = client.search(s -> {
                s.pit(p -> p.id(pitId).keepAlive(k -> k.time(KEEP_ALIVE)))
                        .query(eligible).sort(sort).size(query.pageSize()).seqNoPrimaryTerm(true)
                        .trackTotalHits(t -> t.enabled(first));
                if (searchAfter != null) {
                    s.searchAfter(searchAfter);
                }
                return s;
            }, Map.class);
        } catch (ElasticsearchException | IOException e) {
            throw failures.unavailable("search the queue " + query.index(), e);
        }
        LOG.debug("Elasticsearch search of {} answered {} documents in {} ms", query.index(),
                response.hits().hits().size(), (System.nanoTime() - started) / 1_000_000);
        if (response.pitId() != null) {
            pitId = response.pitId();
        }
        if (first && response.hits().total() != null) {
            totalEligible = response.hits().total().value();
        }
        List<QueuedDocument> page = new ArrayList<>();
        for (Hit<Map> hit : response.hits().hits()) {
            page.add(new QueuedDocument(hit.id(), hit.seqNo(), hit.primaryTerm(), (Map<String, Object>) hit.source()));
            searchAfter = hit.sort();
        }
        if (page.size() < query.pageSize()) {
            exhausted = true;
        }
        return page;
    }

    private static List<SortOptions> sort(Optional<SortField> sortField) {
        List<SortOptions> sort = new ArrayList<>();
        sortField.ifPresent(f -> sort.add(SortOptions.of(s -> s.field(FieldSort.of(fs -> fs.field(f.name())
                .order(SortOrder.Asc).unmappedType(fieldType(f.type())))))));
        sort.add(SortOptions.of(s -> s.field(FieldSort.of(fs -> fs.field("_shard_doc").order(SortOrder.Asc)))));
        return sort;
    }

    private static FieldType fieldType(String type) {
        for (FieldType candidate : FieldType.values()) {
            if (candidate.jsonValue().equals(type)) {
                return candidate;
            }
        }
        throw new IllegalArgumentException("unknown field type for sorting: " + type);
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

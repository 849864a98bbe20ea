package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.SortOptions;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch._types.Time;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import dev.llmwatcher.queue.QueuePart;
import dev.llmwatcher.queue.QueuedDocument;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One point in time on an index, paged with {@code search_after}: what the queue scan (and the releaser) read
 * through. Each hit comes back as a {@link QueuedDocument} with the {@code _seq_no}/{@code _primary_term} a
 * conditional write needs, its source read once into a map. Errors are the caller's to describe: they differ in what
 * was being done.
 */
final class PointInTime implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PointInTime.class);

    /** The cheapest total order within a point in time; the tiebreaker after any other sort. */
    static final SortOptions SHARD_DOC_ORDER = SortOptions.of(s -> s.field(f -> f.field("_shard_doc")
            .order(SortOrder.Asc)));

    /** The field that slices a point in time into the parts of a queue ({@link QueuePart}). */
    static final String SLICE_FIELD = "_seq_no";

    /** One page of hits, and the total matching when it was asked for (else 0). */
    record Page(List<QueuedDocument> documents, long total) {
    }

    private final ElasticsearchClient client;
    private final String index;
    private final Time keepAlive;
    private String id;
    private List<FieldValue> searchAfter;

    private PointInTime(ElasticsearchClient client, String index, Time keepAlive, String id) {
        this.client = client;
        this.index = index;
        this.keepAlive = keepAlive;
        this.id = id;
    }

    /**
     * @throws co.elastic.clients.elasticsearch._types.ElasticsearchException index_not_found when the index does not
     *                                                                        exist
     */
    static PointInTime open(ElasticsearchClient client, String index, String keepAlive) throws IOException {
        Time alive = Time.of(t -> t.time(keepAlive));
        String id = client.openPointInTime(o -> o.index(index).keepAlive(alive)).id();
        return new PointInTime(client, index, alive, id);
    }

    /**
     * The page after the last one read, in {@code sort} order.
     *
     * @param withSource include each hit's {@code _source}; without it documents carry an empty source
     * @param trackTotal count every match (the first page of a scan), which the page then reports
     */
    Page next(Query query, List<SortOptions> sort, int size, boolean withSource, boolean trackTotal)
            throws IOException {
        return next(query, sort, size, withSource, trackTotal, QueuePart.WHOLE);
    }

    /**
     * As above, reading only the documents of {@code part}: a slice of the point in time on {@code _seq_no}. A slice
     * on a numeric field with doc values costs a hash per candidate document (a slice on {@code _id} walks every
     * term of the shard), and a document keeps its sequence number, so its part, until it is written: drainers that
     * opened their points in time at different moments agree on the parts of the documents still waiting.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    Page next(Query query, List<SortOptions> sort, int size, boolean withSource, boolean trackTotal, QueuePart part)
            throws IOException {
        if (id == null) {
            throw new IllegalStateException("the point in time on " + index + " is closed");
        }
        String pit = id;
        List<FieldValue> after = searchAfter;
        SearchResponse<Map> response = client.search(s -> {
            s.pit(p -> p.id(pit).keepAlive(keepAlive)).query(query).sort(sort).size(size)
                    .source(src -> src.fetch(withSource)).seqNoPrimaryTerm(true)
                    .trackTotalHits(t -> t.enabled(trackTotal));
            if (after != null) {
                s.searchAfter(after);
            }
            if (!part.isWhole()) {
                s.slice(sl -> sl.field(SLICE_FIELD).id(Integer.toString(part.id())).max(part.count()));
            }
            return s;
        }, Map.class);
        if (response.pitId() != null) {
            id = response.pitId();
        }
        List<QueuedDocument> documents = new ArrayList<>(response.hits().hits().size());
        for (Hit<Map> hit : response.hits().hits()) {
            documents.add(document(hit));
            searchAfter = hit.sort();
        }
        long total = trackTotal && response.hits().total() != null ? response.hits().total().value() : 0;
        return new Page(documents, total);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static QueuedDocument document(Hit<Map> hit) throws IOException {
        if (hit.seqNo() == null || hit.primaryTerm() == null) {
            throw new IOException("hit " + hit.id() + " without _seq_no or _primary_term");
        }
        return new QueuedDocument(hit.id(), hit.seqNo(), hit.primaryTerm(), (Map<String, Object>) hit.source());
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
            client.closePointInTime(c -> c.id(closing));
        } catch (IOException | RuntimeException e) {
            LOG.debug("Could not close the point in time on {} (it expires on its own): {}", index, e.getMessage());
        }
    }
}

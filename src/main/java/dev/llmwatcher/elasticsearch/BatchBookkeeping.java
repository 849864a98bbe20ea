package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.aggregations.Aggregate;
import co.elastic.clients.elasticsearch._types.aggregations.StringTermsBucket;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import dev.llmwatcher.queue.BatchQueue;
import dev.llmwatcher.queue.QueueFields;
import dev.llmwatcher.queue.QueuedDocument;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The reads of the batch bookkeeping: open submissions in one search of size 0 (a terms aggregation on the
 * submission id, with its batch id and submission time), and the documents of one submission through a point in
 * time, a page at a time.
 */
final class BatchBookkeeping {

    /** Most open submissions one pass looks at; each is one provider batch of up to 50,000 documents. */
    static final int MAX_SUBMISSIONS = 1000;
    private static final int PAGE = 1000;

    private final ElasticsearchClient client;
    private final ElasticsearchFailures failures;

    BatchBookkeeping(ElasticsearchClient client, ElasticsearchFailures failures) {
        this.client = client;
        this.failures = failures;
    }

    /** An exact match on a keyword field, whichever way the index maps it. */
    Query exactly(String index, String field, String value) throws IOException {
        String picked = KeywordFields.pick(client, index, List.of(field)).get(field);
        return Query.of(q -> q.term(t -> t.field(picked).value(value)));
    }

    List<BatchQueue.OpenSubmission> openSubmissions(String index) {
        try {
            Map<String, String> fields = KeywordFields.pick(client, index,
                    List.of(QueueFields.BATCH_SUBMISSION_PATH, QueueFields.BATCH_ID_PATH));
            SearchResponse<Void> response = client.search(s -> s.index(index).size(0)
                    .query(Dsl.exists(QueueFields.BATCH_SUBMISSION_PATH))
                    .aggregations("submissions", a -> a
                            .terms(t -> t.field(fields.get(QueueFields.BATCH_SUBMISSION_PATH)).size(MAX_SUBMISSIONS))
                            .aggregations("batch", b -> b.terms(t -> t.field(fields.get(QueueFields.BATCH_ID_PATH))
                                    .size(1)))
                            .aggregations("submitted", b -> b.min(m -> m.field(
                                    QueueFields.BATCH_SUBMITTED_AT_PATH)))), Void.class);
            Aggregate submissions = response.aggregations().get("submissions");
            if (submissions == null || !submissions.isSterms()) {
                return List.of();
            }
            List<BatchQueue.OpenSubmission> open = new ArrayList<>();
            for (StringTermsBucket bucket : submissions.sterms().buckets().array()) {
                open.add(new BatchQueue.OpenSubmission(bucket.key().stringValue(), batchId(bucket),
                        bucket.docCount(), submittedAt(bucket)));
            }
            return open;
        } catch (IOException | RuntimeException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
                return List.of();
            }
            throw failures.unavailable("find the open batch submissions in " + index, e);
        }
    }

    List<QueuedDocument> submissionDocuments(String index, String submission) {
        try (PointInTime pointInTime = PointInTime.open(client, index, "5m")) {
            Query query = exactly(index, QueueFields.BATCH_SUBMISSION_PATH, submission);
            List<QueuedDocument> documents = new ArrayList<>();
            boolean first = true;
            while (true) {
                PointInTime.Page page = pointInTime.next(query, List.of(PointInTime.SHARD_DOC_ORDER), PAGE, true,
                        first);
                first = false;
                documents.addAll(page.documents());
                if (page.documents().size() < PAGE) {
                    return documents;
                }
            }
        } catch (IOException | RuntimeException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
                return List.of();
            }
            throw failures.unavailable("read the documents of batch submission " + submission + " in " + index, e);
        }
    }

    private static Optional<String> batchId(StringTermsBucket bucket) {
        Aggregate ids = bucket.aggregations().get("batch");
        return ids != null && ids.isSterms() && !ids.sterms().buckets().array().isEmpty()
                ? Optional.of(ids.sterms().buckets().array().getFirst().key().stringValue()) : Optional.empty();
    }

    private static Instant submittedAt(StringTermsBucket bucket) {
        Aggregate min = bucket.aggregations().get("submitted");
        if (min == null || !min.isMin() || min.min().value().isNaN() || min.min().value().isInfinite()) {
            return Instant.EPOCH;
        }
        return Instant.ofEpochMilli(min.min().value().longValue());
    }
}

package dev.llmwatcher.opensearch;

import dev.llmwatcher.queue.BatchQueue;
import dev.llmwatcher.queue.QueueFields;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.store.KeywordChoice;
import dev.llmwatcher.store.QueueQueries;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.aggregations.Aggregate;
import org.opensearch.client.opensearch._types.aggregations.StringTermsBucket;
import org.opensearch.client.opensearch._types.query_dsl.Query;
import org.opensearch.client.opensearch.core.SearchResponse;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The reads of the batch bookkeeping (open submissions in one terms aggregation, a submission's documents through a
 * point in time), and which field matches a keyword exactly on a queue index however it is mapped.
 */
final class OpenSearchBatches {

    static final int MAX_SUBMISSIONS = 1000;
    private static final int PAGE = 1000;

    private final OpenSearchClient client;
    private final OpenSearchFailures failures;

    OpenSearchBatches(OpenSearchClient client, OpenSearchFailures failures) {
        this.client = client;
        this.failures = failures;
    }

    /**
     * The exact-match field for each wanted field ({@link KeywordChoice}), from the index's field capabilities, asked
     * for in the URL: the typed client sends the fields in a body, which OpenSearch does not read. A missing index
     * (404) has no capabilities: each field is itself.
     */
    @SuppressWarnings("unchecked")
    Map<String, String> keywordFields(String index, List<String> wanted) throws IOException {
        RawRequests.Answer answer = new RawRequests(client, failures).send("GET", "/" + index + "/_field_caps?fields="
                + String.join(",", KeywordChoice.asked(wanted)), null, "read the mapping of " + index, 404);
        Map<String, Object> caps = answer.json().get("fields") instanceof Map<?, ?> fields
                ? (Map<String, Object>) fields : Map.of();
        return KeywordChoice.pick(wanted, field -> caps.get(field) instanceof Map<?, ?> byType && !byType.isEmpty()
                && byType.values().stream().allMatch(c -> c instanceof Map<?, ?> cap
                && Boolean.TRUE.equals(cap.get("aggregatable"))));
    }

    /** An exact match on a keyword field, whichever way the index maps it. */
    Map<String, Object> exactly(String index, String field, String value) throws IOException {
        return QueueQueries.term(keywordFields(index, List.of(field)).get(field), value);
    }

    List<BatchQueue.OpenSubmission> openSubmissions(String index) {
        try {
            Map<String, String> fields = keywordFields(index,
                    List.of(QueueFields.BATCH_SUBMISSION_PATH, QueueFields.BATCH_ID_PATH));
            Query submitted = Pit.query(client, QueueQueries.exists(QueueFields.BATCH_SUBMISSION_PATH));
            SearchResponse<Void> response = client.search(s -> s.index(index).size(0).query(submitted)
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
                open.add(new BatchQueue.OpenSubmission(bucket.key(), batchId(bucket), bucket.docCount(),
                        submittedAt(bucket)));
            }
            return open;
        } catch (IOException | RuntimeException e) {
            if (OpenSearchFailures.isIndexNotFound(e)) {
                return List.of();
            }
            throw failures.unavailable("find the open batch submissions in " + index, e);
        }
    }

    List<QueuedDocument> submissionDocuments(String index, String submission) {
        try (Pit pit = Pit.open(client, index, "5m")) {
            Query query = Pit.query(client, exactly(index, QueueFields.BATCH_SUBMISSION_PATH, submission));
            List<QueuedDocument> documents = new ArrayList<>();
            boolean first = true;
            while (true) {
                Pit.Page page = pit.next(query, List.of(Pit.SHARD_DOC_ORDER), PAGE, true, first);
                first = false;
                documents.addAll(page.documents());
                if (page.documents().size() < PAGE) {
                    return documents;
                }
            }
        } catch (IOException | RuntimeException e) {
            if (OpenSearchFailures.isIndexNotFound(e)) {
                return List.of();
            }
            throw failures.unavailable("read the documents of batch submission " + submission + " in " + index, e);
        }
    }

    private static Optional<String> batchId(StringTermsBucket bucket) {
        Aggregate ids = bucket.aggregations().get("batch");
        return ids != null && ids.isSterms() && !ids.sterms().buckets().array().isEmpty()
                ? Optional.of(ids.sterms().buckets().array().getFirst().key()) : Optional.empty();
    }

    private static Instant submittedAt(StringTermsBucket bucket) {
        Aggregate min = bucket.aggregations().get("submitted");
        if (min == null || !min.isMin() || min.min().value() == null || min.min().value().isNaN()
                || min.min().value().isInfinite()) {
            return Instant.EPOCH;
        }
        return Instant.ofEpochMilli(min.min().value().longValue());
    }
}

package dev.llmwatcher.opensearch;

import dev.llmwatcher.queue.BatchQueue;
import dev.llmwatcher.queue.QueueFields;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.store.KeywordChoice;
import dev.llmwatcher.store.QueueQueries;
import org.opensearch.client.opensearch.OpenSearchClient;

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
        Map<String, String> fields;
        try {
            fields = keywordFields(index, List.of(QueueFields.BATCH_SUBMISSION_PATH, QueueFields.BATCH_ID_PATH));
        } catch (IOException e) {
            throw failures.unavailable("find the open batch submissions in " + index, e);
        }
        Map<String, Object> aggregations = Map.of("submissions", Map.of(
                "terms", Map.of("field", fields.get(QueueFields.BATCH_SUBMISSION_PATH), "size", MAX_SUBMISSIONS),
                "aggs", Map.of("batch", Map.of("terms", Map.of("field", fields.get(QueueFields.BATCH_ID_PATH),
                                "size", 1)),
                        "submitted", Map.of("min", Map.of("field", QueueFields.BATCH_SUBMITTED_AT_PATH)))));
        RawRequests.Answer answer = new RawRequests(client, failures).send("POST", "/" + index + "/_search",
                Map.of("size", 0, "query", QueueQueries.exists(QueueFields.BATCH_SUBMISSION_PATH),
                        "aggs", aggregations), "find the open batch submissions in " + index, 404);
        List<BatchQueue.OpenSubmission> open = new ArrayList<>();
        for (Map<?, ?> bucket : buckets(answer.json().get("aggregations"), "submissions")) {
            List<Map<?, ?>> ids = buckets(bucket, "batch");
            Optional<String> batchId = ids.isEmpty() ? Optional.empty() : Optional.of(String.valueOf(
                    ids.getFirst().get("key")));
            open.add(new BatchQueue.OpenSubmission(String.valueOf(bucket.get("key")), batchId,
                    bucket.get("doc_count") instanceof Number n ? n.longValue() : 0, submittedAt(bucket)));
        }
        return open;
    }

    List<QueuedDocument> submissionDocuments(String index, String submission) {
        RawRequests raw = new RawRequests(client, failures);
        try (Pit pit = Pit.open(client, raw, index, "5m")) {
            Map<String, Object> query = exactly(index, QueueFields.BATCH_SUBMISSION_PATH, submission);
            List<QueuedDocument> documents = new ArrayList<>();
            boolean first = true;
            while (true) {
                Pit.Page page = pit.next(query, List.of(QueueQueries.SHARD_DOC_ORDER), PAGE, true, first);
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

    /** The buckets of the terms aggregation {@code name} under {@code parent}; none when it is absent. */
    @SuppressWarnings("unchecked")
    private static List<Map<?, ?>> buckets(Object parent, String name) {
        if (parent instanceof Map<?, ?> aggregations && aggregations.get(name) instanceof Map<?, ?> terms
                && terms.get("buckets") instanceof List<?> buckets) {
            return (List<Map<?, ?>>) buckets;
        }
        return List.of();
    }

    private static Instant submittedAt(Map<?, ?> bucket) {
        if (bucket.get("submitted") instanceof Map<?, ?> min && min.get("value") instanceof Number value) {
            return Instant.ofEpochMilli(value.longValue());
        }
        return Instant.EPOCH;
    }
}

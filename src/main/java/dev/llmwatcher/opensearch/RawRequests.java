package dev.llmwatcher.opensearch;

import dev.llmwatcher.json.JsonCodec;
import dev.llmwatcher.store.QueueQueries;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.generic.Body;
import org.opensearch.client.opensearch.generic.Requests;
import org.opensearch.client.opensearch.generic.Response;

import java.io.IOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;

/**
 * Requests whose body is one of our shipped JSON resources (index templates, the stored script, the pipeline, an
 * index's settings and mappings), sent as they are through the client's generic API, which has no typed builder that
 * takes JSON; the answer is read as a map. Non-2xx answers other than the ones the caller expects fail with the
 * request's action, the status and OpenSearch's error.
 */
final class RawRequests {

    /** An answer: its status, and its JSON body as a map (empty when it had none). */
    record Answer(int status, Map<String, Object> json) {
    }

    /** The tiebreaker of a cluster without {@code _shard_doc}. */
    private static final Map<String, Object> ID_ORDER = Map.of("_id", "asc");
    /** Clients whose cluster has no {@code _shard_doc} (OpenSearch 2.x), learned from its answer. */
    private static final Map<OpenSearchClient, Boolean> WITHOUT_SHARD_DOC =
            Collections.synchronizedMap(new WeakHashMap<>());

    private final OpenSearchClient client;
    private final OpenSearchFailures failures;

    RawRequests(OpenSearchClient client, OpenSearchFailures failures) {
        this.client = client;
        this.failures = failures;
    }

    /**
     * Sends {@code body} (null: none) and returns the answer when it is 2xx or one of {@code expected}; otherwise
     * throws {@link dev.llmwatcher.queue.QueueUnavailableException} naming {@code action}.
     */
    Answer send(String method, String path, Object body, String action, int... expected) {
        var request = Requests.builder().method(method).endpoint(path);
        if (body != null) {
            request.json(JsonCodec.writeString(body));
        }
        try (Response response = client.generic().execute(request.build())) {
            Map<String, Object> json = Map.of();
            Optional<Body> content = response.getBody();
            if (content.isPresent()) {
                byte[] bytes = content.get().bodyAsBytes();
                if (bytes.length > 0 && JsonCodec.read(bytes) instanceof Map<?, ?>) {
                    json = JsonCodec.readObject(bytes);
                }
            }
            int status = response.getStatus();
            if (status / 100 != 2 && Arrays.stream(expected).noneMatch(s -> s == status)) {
                throw failures.unavailable(action, new RawFailure(status, json));
            }
            return new Answer(status, json);
        } catch (IOException e) {
            throw failures.unavailable(action, e);
        }
    }

    /**
     * A point-in-time search ({@code POST /_search} with {@code body}) whose sort may end with {@code _shard_doc}, the
     * cheapest total order in a point in time, which OpenSearch 3.x has and 2.x does not (it answers 400, "No mapping
     * found for [_shard_doc]"). On such a cluster the search is sent again with {@code _id} in its place, unique too,
     * and so are this client's later searches: what the cluster does is learned from its own answer, once per client,
     * not guessed from its version number.
     */
    Answer search(Map<String, Object> body, String action) {
        if (WITHOUT_SHARD_DOC.containsKey(client)) {
            return send("POST", "/_search", withIdTiebreaker(body), action);
        }
        Answer answer = send("POST", "/_search", body, action, 400);
        if (answer.status() == 400 && lacksShardDoc(answer.json())) {
            WITHOUT_SHARD_DOC.put(client, Boolean.TRUE);
            return send("POST", "/_search", withIdTiebreaker(body), action);
        }
        if (answer.status() == 400) {
            throw failures.unavailable(action, new RawFailure(400, answer.json()));
        }
        return answer;
    }

    private static Map<String, Object> withIdTiebreaker(Map<String, Object> body) {
        Map<String, Object> changed = new LinkedHashMap<>(body);
        if (body.get("sort") instanceof List<?> sort) {
            changed.put("sort", sort.stream().map(key -> QueueQueries.SHARD_DOC_ORDER.equals(key) ? ID_ORDER : key)
                    .toList());
        }
        return changed;
    }

    private static boolean lacksShardDoc(Map<String, Object> json) {
        return JsonCodec.writeString(json).contains("No mapping found for [_shard_doc]");
    }

    /** A non-2xx answer of the generic API, with OpenSearch's error when it gave one. */
    static final class RawFailure extends IOException {

        private final int status;
        private final String type;

        RawFailure(int status, Map<String, Object> json) {
            super(describe(json));
            this.status = status;
            this.type = json.get("error") instanceof Map<?, ?> error && error.get("type") instanceof String t ? t : "";
        }

        int status() {
            return status;
        }

        /** OpenSearch's error type, e.g. {@code index_not_found_exception}; empty when it gave none. */
        String type() {
            return type;
        }

        private static String describe(Map<String, Object> json) {
            if (json.get("error") instanceof Map<?, ?> error) {
                return error.get("type") + ": " + error.get("reason");
            }
            return String.valueOf(json.getOrDefault("error", "no error body"));
        }
    }
}

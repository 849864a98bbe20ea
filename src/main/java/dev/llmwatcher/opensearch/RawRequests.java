package dev.llmwatcher.opensearch;

import dev.llmwatcher.json.JsonCodec;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.generic.Body;
import org.opensearch.client.opensearch.generic.Requests;
import org.opensearch.client.opensearch.generic.Response;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

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

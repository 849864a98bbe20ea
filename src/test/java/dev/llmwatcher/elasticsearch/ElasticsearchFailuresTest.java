package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.ErrorCause;
import co.elastic.clients.elasticsearch._types.ErrorResponse;
import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.queue.QueueBusyException;
import dev.llmwatcher.queue.QueueUnavailableException;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;

class ElasticsearchFailuresTest {

    private static final String PASSWORD = "hunter2-secret";
    private final ElasticsearchFailures failures = new ElasticsearchFailures(
            ElasticsearchSettings.basicAuth(URI.create("https://es.example:9200"), "elastic", PASSWORD));

    @Test
    void aRequestAnswered429Or503IsBusyNotAFailure() {
        assertThat(failures.unavailable("write results", answered(429, "es_rejected_execution_exception")))
                .isInstanceOf(QueueBusyException.class).hasMessageContaining("HTTP 429");
        assertThat(failures.unavailable("write results", answered(503, "cluster_block_exception")))
                .isInstanceOf(QueueBusyException.class);
    }

    @Test
    void aRequestAnswered401Or403IsAnAuthenticationFailureWithoutThePassword() {
        QueueUnavailableException refused = failures.unavailable("read the queue",
                answered(401, "security_exception", "unable to authenticate user with " + PASSWORD));

        assertThat(refused).isNotInstanceOf(QueueBusyException.class);
        assertThat(refused.isAuthenticationFailure()).isTrue();
        assertThat(refused.getMessage()).startsWith("Elasticsearch at https://es.example:9200 could not read the queue")
                .contains("HTTP 401 security_exception").doesNotContain(PASSWORD);
        assertThat(failures.unavailable("x", answered(403, "security_exception")).isAuthenticationFailure()).isTrue();
    }

    @Test
    void anUnreachableClusterIsUnavailableWithoutAStatus() {
        QueueUnavailableException e = failures.unavailable("read the queue",
                new ConnectException("Connection refused"));

        assertThat(e).isNotInstanceOf(QueueBusyException.class);
        assertThat(e.isAuthenticationFailure()).isFalse();
        assertThat(e.getMessage()).contains("could not connect (Connection refused)");
    }

    @Test
    void anItemReasonIsOneLineWithItsCause() {
        ErrorCause error = ErrorCause.of(c -> c.type("mapper_parsing_exception").reason("failed to parse\nfield [x]")
                .causedBy(b -> b.type("illegal_argument_exception").reason("bad " + PASSWORD)));

        assertThat(failures.reason(error)).isEqualTo("mapper_parsing_exception: failed to parse field [x] "
                + "(caused by: illegal_argument_exception: bad ***)");
    }

    @Test
    void aMissingIndexIsRecognised() {
        assertThat(ElasticsearchFailures.isIndexNotFound(answered(404, "index_not_found_exception"))).isTrue();
        assertThat(ElasticsearchFailures.isIndexNotFound(answered(404, "resource_not_found_exception"))).isFalse();
    }

    private static ElasticsearchException answered(int status, String type) {
        return answered(status, type, "some reason");
    }

    private static ElasticsearchException answered(int status, String type, String reason) {
        return new ElasticsearchException("es/test", ErrorResponse.of(r -> r.status(status)
                .error(e -> e.type(type).reason(reason))));
    }
}

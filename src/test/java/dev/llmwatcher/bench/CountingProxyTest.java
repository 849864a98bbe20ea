package dev.llmwatcher.bench;

import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** The proxy passes Elasticsearch's answers through unchanged and counts requests by kind. */
class CountingProxyTest {

    @Test
    void forwardsAndCountsByKind() throws Exception {
        TestElasticsearch es = TestElasticsearch.shared();
        String index = TestElasticsearch.uniqueIndex("proxy");
        es.put("/" + index, "{}");
        HttpClient http = HttpClient.newHttpClient();
        try (CountingProxy proxy = new CountingProxy(es.url())) {
            HttpResponse<String> search = http.send(HttpRequest.newBuilder(URI.create(proxy.url() + "/" + index
                    + "/_search")).POST(HttpRequest.BodyPublishers.ofString("{}"))
                    .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
            http.send(HttpRequest.newBuilder(URI.create(proxy.url() + "/" + index + "/_refresh"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(search.statusCode()).isEqualTo(200);
            assertThat(search.headers().firstValue("X-Elastic-Product")).contains("Elasticsearch");
            assertThat(search.body()).contains("\"hits\"");
            assertThat(proxy.counts()).containsEntry("search", 1L).containsEntry("refresh", 1L).hasSize(2);
            assertThat(CountingProxy.kind("POST", "/_bulk")).isEqualTo("bulk");
            assertThat(CountingProxy.kind("DELETE", "/_pit")).isEqualTo("pit-close");
        }
    }
}

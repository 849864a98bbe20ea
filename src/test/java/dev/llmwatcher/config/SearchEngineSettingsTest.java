package dev.llmwatcher.config;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which engine serves the cluster URL, and when requests are signed for Amazon OpenSearch Service. */
class SearchEngineSettingsTest {

    private static final String DOMAIN = "https://search-queue-abc123.eu-west-1.es.amazonaws.com";

    @Test
    void theEngineIsAskedOfTheClusterUnlessTheOverrideNamesIt() {
        assertThat(ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200")).elasticsearch().engine())
                .isEqualTo(SearchEngine.AUTO);
        assertThat(ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://os:9200", "LLM_WATCHER_SEARCH_ENGINE",
                "OpenSearch")).elasticsearch().engine()).isEqualTo(SearchEngine.OPENSEARCH);
        assertThatThrownBy(() -> ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://os:9200",
                "LLM_WATCHER_SEARCH_ENGINE", "solr"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("--search-engine (LLM_WATCHER_SEARCH_ENGINE): expected elasticsearch, "
                        + "opensearch or auto, got 'solr'");
    }

    @Test
    void anAmazonOpenSearchServiceDomainIsSignedForServiceEsUnlessAPasswordIsGiven() {
        ElasticsearchSettings domain = ConfigReader.read(Map.of("ELASTICSEARCH_URL", DOMAIN)).elasticsearch();
        ElasticsearchSettings withPassword = ConfigReader.read(Map.of("ELASTICSEARCH_URL", DOMAIN,
                "ELASTICSEARCH_USERNAME", "master", "ELASTICSEARCH_PASSWORD", "hunter2")).elasticsearch();
        ElasticsearchSettings elsewhere = ConfigReader.read(Map.of("ELASTICSEARCH_URL", "https://os.example:9200",
                "LLM_WATCHER_AWS_SIGV4_SERVICE", "es")).elasticsearch();

        assertThat(domain.sigV4Service()).contains("es");
        assertThat(withPassword.sigV4Service()).isEmpty();
        assertThat(elsewhere.sigV4Service()).contains("es");
        assertThat(ConfigReader.read(Map.of("ELASTICSEARCH_URL", "https://es.example:9200")).elasticsearch()
                .sigV4Service()).isEqualTo(Optional.empty());
    }

    @Test
    void openSearchServerlessIsRefusedWithOneLineAtStartUp() {
        for (Map<String, String> environment : new Map[]{
                Map.of("ELASTICSEARCH_URL", "https://abc123.eu-west-1.aoss.amazonaws.com"),
                Map.of("ELASTICSEARCH_URL", "https://os.example", "LLM_WATCHER_AWS_SIGV4_SERVICE", "aoss")}) {
            assertThatThrownBy(() -> ConfigReader.read(environment)).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("OpenSearch Serverless (aoss) is not supported: the queue needs the llm "
                            + "ingest pipeline with its stored painless script")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
    }

    @Test
    void signingNeedsHttpsAndNoOtherCredentials() {
        assertThatThrownBy(() -> ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://os.example:9200",
                "LLM_WATCHER_AWS_SIGV4_SERVICE", "es"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("needs the domain's https:// endpoint");
        assertThatThrownBy(() -> ConfigReader.read(Map.of("ELASTICSEARCH_URL", "https://os.example:9200",
                "LLM_WATCHER_AWS_SIGV4_SERVICE", "es", "ELASTICSEARCH_API_KEY", "k"))).isInstanceOf(
                ConfigException.class).hasMessageContaining("give no Elasticsearch username or API key with it");
    }
}

package dev.llmwatcher.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmwatcher.elasticsearch.ElasticsearchAnswerCache;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The answer cache from the operator's side: {@code setup} installs its index template, {@code status} shows its
 * size, {@code cache} empties it or drops old answers ({@link AbstractCacheCommandTest}, on Elasticsearch).
 */
class CacheCommandTest extends AbstractCacheCommandTest {

    private final TestElasticsearch es = TestElasticsearch.shared();

    @Override
    protected URI url() {
        return es.url();
    }

    @Override
    protected void indexDocument(String index, String id, Map<String, ?> source) {
        es.indexDocument(index, id, source);
    }

    @Override
    protected Optional<Map<String, Object>> source(String index, String id) {
        return es.source(index, id);
    }

    @Test
    void setupInstallsTheCacheTemplateOnceAndItMapsTheAnswerAsNotIndexed() {
        String template = ElasticsearchAnswerCache.templateName(cacheIndex);

        runCli("setup");
        String first = output();
        runCli("setup");

        assertThat(first).containsPattern("index template " + template + " +created");
        assertThat(output()).containsPattern("index template " + template + " +unchanged");
        cacheAnswer("k1", "2026-03-01T11:00:00Z");
        assertThat(es.get("/" + cacheIndex + "/_mapping").body())
                .contains("\"answer\":{\"type\":\"text\",\"index\":false}").contains("\"dynamic\":\"false\"");
    }

    @Test
    @SuppressWarnings("unchecked")
    void statusShowsTheCacheSize() throws Exception {
        cacheAnswer("k1", "2026-03-01T11:00:00Z");
        cacheAnswer("k2", "2026-02-01T11:00:00Z");

        assertThat(runCli("status")).isZero();
        assertThat(output()).contains("Answer cache " + cacheIndex + ": 2 answers, reused for up to 7d 0h");
        assertThat(runCli("status", "--json")).isZero();
        Map<String, Object> status = new ObjectMapper().readValue(output(), Map.class);

        assertThat((Map<String, Object>) status.get("answer_cache")).containsEntry("index", cacheIndex)
                .containsEntry("entries", 2).containsEntry("enabled", true).containsEntry("max_age_seconds", 604800);
    }
}

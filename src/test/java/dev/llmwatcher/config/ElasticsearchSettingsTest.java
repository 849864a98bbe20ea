package dev.llmwatcher.config;

import dev.llmwatcher.queue.SortField;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ElasticsearchSettingsTest {

    private static final URI URL = URI.create("https://es.example:9200");

    @Test
    void textFormNeverShowsThePasswordOrTheApiKey() {
        assertThat(ElasticsearchSettings.basicAuth(URL, "elastic", "pa55word").toString())
                .contains("elastic").doesNotContain("pa55word");
        assertThat(ElasticsearchSettings.apiKey(URL, "c2VjcmV0LWtleQ==").toString())
                .contains("api-key").doesNotContain("c2VjcmV0LWtleQ==");
    }

    @Test
    void basicAuthAndApiKeyTogetherAreRefused() {
        assertThatThrownBy(() -> new ElasticsearchSettings(List.of(URL), Optional.of("u"), Optional.of("p"),
                Optional.of("k"), Optional.empty(), Optional.empty(), Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not both");
    }

    @Test
    void sortFieldTypeDefaultsToDateAndUnknownTypesAreRefused() {
        assertThat(SortField.parse("@timestamp")).isEqualTo(new SortField("@timestamp", "date"));
        assertThat(SortField.parse("priority:LONG")).isEqualTo(new SortField("priority", "long"));
        assertThatThrownBy(() -> SortField.parse("title:text")).hasMessageContaining("not one of");
    }
}

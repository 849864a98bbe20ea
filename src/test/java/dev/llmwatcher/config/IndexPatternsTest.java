package dev.llmwatcher.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IndexPatternsTest {

    @Test
    void matchesAsAnElasticsearchRolesIndexPatternsDo() {
        IndexPatterns patterns = IndexPatterns.parse("my-index*, reviews ,logs-*-prod");

        assertThat(List.of("my-index", "my-index-2025.01", "reviews", "logs-app-prod", "logs--prod"))
                .allMatch(patterns::matches);
        assertThat(List.of("my-indey", "reviews-2", "areviews", "logs-app-dev", ".security", "other", ""))
                .noneMatch(patterns::matches);
    }

    @Test
    void everyCharacterButTheWildcardIsLiteral() {
        IndexPatterns patterns = IndexPatterns.parse("a.b+c*");

        assertThat(patterns.matches("a.b+c-1")).isTrue();
        assertThat(patterns.matches("axb+c")).isFalse();
        assertThat(patterns.matches("a.bbc")).isFalse();
    }

    @Test
    void theDefaultMatchesAnyIndex() {
        assertThat(IndexPatterns.ANY.matchesAny()).isTrue();
        assertThat(List.of("my-index", ".security", "x")).allMatch(IndexPatterns.ANY::matches);
        assertThat(IndexPatterns.parse("my-index*").matchesAny()).isFalse();
    }

    @Test
    void anExclusionIsRefusedBecauseARoleCannotSayIt() {
        assertThatThrownBy(() -> IndexPatterns.parse("*,-secrets*"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("'-secrets*': exclusions are not supported, since an Elasticsearch role has "
                        + "none");
    }

    @Test
    void aPatternNoIndexNameCouldMatchIsRefusedNamingWhy() {
        assertThatThrownBy(() -> IndexPatterns.parse("My-Index*")).hasMessageContaining("lower case");
        assertThatThrownBy(() -> IndexPatterns.parse("a,,b")).hasMessageContaining("an empty entry");
        assertThatThrownBy(() -> IndexPatterns.parse("_internal")).hasMessageContaining("cannot start with _");
        assertThatThrownBy(() -> IndexPatterns.parse("logs?")).hasMessageContaining("cannot contain '?'");
        assertThatThrownBy(() -> IndexPatterns.parse("remote:logs")).hasMessageContaining("cannot contain ':'");
    }

    @Test
    void writesItselfAsTheSettingIsWritten() {
        assertThat(IndexPatterns.parse(" my-index* , logs-* ")).hasToString("my-index*,logs-*")
                .isEqualTo(IndexPatterns.parse("my-index*,logs-*"));
    }
}

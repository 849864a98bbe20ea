package dev.llmwatcher.prompt;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PromptRendererTest {

    private final PromptRenderer renderer = new PromptRenderer();

    @Test
    void rendersTheOriginalReadmePromptWithCtxFields() throws PromptException {
        String prompt = renderer.render("From a scale of 1-10 how good is this product review "
                + "(1 is very bad, 10 is very good): {{ctx.message}}", Map.of("message", "I love it!"));

        assertThat(prompt).endsWith("(1 is very bad, 10 is very good): I love it!");
    }

    @Test
    void doesNotEscapeHtmlCharacters() throws PromptException {
        String prompt = renderer.render("Review: {{ctx.text}}", Map.of("text", "<b>\"5\" & 'great'</b>"));

        assertThat(prompt).isEqualTo("Review: <b>\"5\" & 'great'</b>");
    }

    @Test
    void reachesNestedFieldsAndLoops() throws PromptException {
        Map<String, Object> fields = Map.of("user", Map.of("name", "Ana"), "tags", List.of("a", "b"));

        String prompt = renderer.render("{{ctx.user.name}}:{% for t in ctx.tags %} {{t}}{% endfor %}", fields);

        assertThat(prompt).isEqualTo("Ana: a b");
    }

    @Test
    void failsOnAMissingFieldNamingIt() {
        assertThatThrownBy(() -> renderer.render("Rate: {{ctx.mesage}}", Map.of("message", "hi")))
                .isInstanceOf(PromptException.class)
                .hasMessageContaining("mesage");
    }

    @Test
    void failsOnAFieldThatIsNull() {
        Map<String, Object> fields = new HashMap<>();
        fields.put("message", null);

        assertThatThrownBy(() -> renderer.render("Rate: {{ctx.message}}", fields))
                .isInstanceOf(PromptException.class)
                .hasMessageContaining("message");
    }

    @Test
    void failsOnASyntaxErrorWithItsLine() {
        assertThatThrownBy(() -> renderer.render("line one\nRate: {{ctx.message", Map.of("message", "hi")))
                .isInstanceOf(PromptException.class)
                .hasMessageContaining("does not parse")
                .hasMessageContaining("line 2");
    }

    @Test
    void failsOnAnEmptyResult() {
        assertThatThrownBy(() -> renderer.render("{{ctx.message}}", Map.of("message", "  ")))
                .isInstanceOf(PromptException.class)
                .hasMessageContaining("empty prompt");
    }
}

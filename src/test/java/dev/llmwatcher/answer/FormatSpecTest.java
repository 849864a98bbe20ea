package dev.llmwatcher.answer;

import dev.llmwatcher.json.Json;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FormatSpecTest {

    @Test
    void acceptsNoneEmptyJsonAndSchema() throws Exception {
        Map<String, Object> schema = Map.of("type", "object", "properties", Map.of("scale", Map.of("type", "integer")));

        assertThat(FormatSpec.parse(null).mode()).isEqualTo(FormatSpec.Mode.TEXT);
        assertThat(FormatSpec.parse(Map.of()).mode()).isEqualTo(FormatSpec.Mode.TEXT);
        assertThat(FormatSpec.parse("json").mode()).isEqualTo(FormatSpec.Mode.JSON);
        FormatSpec spec = FormatSpec.parse(schema);
        assertThat(spec.mode()).isEqualTo(FormatSpec.Mode.SCHEMA);
        assertThat(spec.requestFormat()).isEqualTo(schema);
    }

    @Test
    void reusesTheCompiledSchemaForEqualContent() throws Exception {
        FormatSpec first = FormatSpec.parse(Map.of("type", "object", "required", List.of("a")));
        FormatSpec second = FormatSpec.parse(Map.of("required", List.of("a"), "type", "object"));

        assertThat(second.schema()).isSameAs(first.schema());
    }

    @Test
    void aSchemaMapChangedAfterCompilingDoesNotChangeWhatIsCachedForItsOldContent() throws Exception {
        Map<String, Object> properties = new java.util.LinkedHashMap<>(Map.of("n", Map.of("type", "integer")));
        Map<String, Object> schema = new java.util.LinkedHashMap<>(Map.of("type", "object", "properties", properties));
        FormatSpec before = FormatSpec.parse(schema);

        properties.put("n", Map.of("type", "string"));
        FormatSpec changed = FormatSpec.parse(schema);
        FormatSpec original = FormatSpec.parse(Map.of("type", "object", "properties",
                Map.of("n", Map.of("type", "integer"))));

        assertThat(changed.schema()).isNotSameAs(before.schema());
        assertThat(original.schema()).isSameAs(before.schema());
        assertThat(changed.schema().validate(Json.mapper().readTree("{\"n\": \"x\"}"))).isEmpty();
        assertThat(original.schema().validate(Json.mapper().readTree("{\"n\": \"x\"}"))).isNotEmpty();
    }

    @Test
    void rejectsANumber() {
        assertThatThrownBy(() -> FormatSpec.parse(42))
                .isInstanceOf(InvalidFormatException.class)
                .hasMessage("format must be a JSON schema object or the string \"json\", got a number (42)");
    }

    @Test
    void rejectsAList() {
        assertThatThrownBy(() -> FormatSpec.parse(List.of("scale")))
                .isInstanceOf(InvalidFormatException.class)
                .hasMessageEndingWith("got a list");
    }

    @Test
    void rejectsAnotherString() {
        assertThatThrownBy(() -> FormatSpec.parse("yaml"))
                .isInstanceOf(InvalidFormatException.class)
                .hasMessageEndingWith("got the string \"yaml\"");
    }

    @Test
    void rejectsASchemaThatDoesNotCompile() {
        assertThatThrownBy(() -> FormatSpec.parse(Map.of("type", "object",
                "properties", Map.of("scale", Map.of("type", "integr")))))
                .isInstanceOf(InvalidFormatException.class)
                .hasMessageStartingWith("format is not a valid JSON schema: ")
                .hasMessageContaining("scale");
    }
}

package dev.llmwatcher.answer;

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

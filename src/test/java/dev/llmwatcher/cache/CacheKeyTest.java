package dev.llmwatcher.cache;

import dev.llmwatcher.json.JsonCodec;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CacheKeyTest {

    private static final Map<String, Object> SCHEMA = Map.of("type", "object",
            "properties", Map.of("scale", Map.of("type", "integer")), "required", List.of("scale"));

    private static CacheKey key(Object format, Map<String, Object> options) {
        return CacheKey.of("ollama", "http://localhost:11434", "llama3.3", "Rate: great", format, options);
    }

    private static Map<String, Object> json(String text) throws IOException {
        return JsonCodec.readObject(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void keyOrderAtAnyDepthDoesNotMatter() throws IOException {
        Map<String, Object> schema = json("{\"type\":\"object\",\"required\":[\"scale\"],"
                + "\"properties\":{\"scale\":{\"type\":\"integer\",\"minimum\":1}}}");
        Map<String, Object> reordered = json("{\"properties\":{\"scale\":{\"minimum\":1,\"type\":\"integer\"}},"
                + "\"required\":[\"scale\"],\"type\":\"object\"}");

        assertThat(key(schema, Map.of())).isEqualTo(key(reordered, Map.of()));
    }

    @Test
    void oneNumberHowEverItIsSpelled() throws IOException {
        CacheKey integer = key(SCHEMA, json("{\"temperature\": 1, \"top_p\": 0.5}"));

        assertThat(key(SCHEMA, json("{\"temperature\": 1.0, \"top_p\": 0.50}"))).isEqualTo(integer);
        assertThat(key(SCHEMA, json("{\"temperature\": 1e0, \"top_p\": 5e-1}"))).isEqualTo(integer);
        assertThat(key(SCHEMA, json("{\"top_p\": 0.500, \"temperature\": 1.00}"))).isEqualTo(integer);
        assertThat(key(SCHEMA, json("{\"temperature\": 2, \"top_p\": 0.5}"))).isNotEqualTo(integer);
        assertThat(key(SCHEMA, json("{\"temperature\": \"1\", \"top_p\": 0.5}"))).isNotEqualTo(integer);
    }

    @Test
    void noOptionsAndEmptyOptionsAreOneQuestion() {
        assertThat(key(SCHEMA, null)).isEqualTo(key(SCHEMA, Map.of()));
    }

    @Test
    void everyPartOfTheQuestionChangesTheKey() {
        CacheKey base = key(SCHEMA, Map.of());
        Map<String, Object> otherSchema = new LinkedHashMap<>(SCHEMA);
        otherSchema.put("required", List.of());

        assertThat(List.of(
                CacheKey.of("openai", "http://localhost:11434", "llama3.3", "Rate: great", SCHEMA, Map.of()),
                CacheKey.of("ollama", "http://other:11434", "llama3.3", "Rate: great", SCHEMA, Map.of()),
                CacheKey.of("ollama", "http://localhost:11434", "llama3.2", "Rate: great", SCHEMA, Map.of()),
                CacheKey.of("ollama", "http://localhost:11434", "llama3.3", "Rate: great!", SCHEMA, Map.of()),
                key(otherSchema, Map.of()), key("json", Map.of()), key(null, Map.of()),
                key(SCHEMA, Map.of("temperature", 0)))).doesNotContain(base).doesNotHaveDuplicates();
    }

    @Test
    void theKeyIsTheSha256OfTheVersionedCanonicalQuestion() {
        CacheKey key = CacheKey.of(" Ollama ", "http://h:1", "m", "p", null, Map.of("b", 2.50, "a", 1));

        assertThat(key.hex()).matches("[0-9a-f]{64}");
        assertThat(CacheKey.canonicalJson(Map.of("v", 1, "options", Map.of("b", 2.50, "a", 1))))
                .isEqualTo("{\"options\":{\"a\":1,\"b\":2.5},\"v\":1}");
        assertThat(key).isEqualTo(CacheKey.of("ollama", "http://h:1", "m", "p", null, Map.of("a", 1.0, "b", 2.5)));
    }
}
